// The journal reader (decode_journal): what `recover` trusts after a crash.
// First byte even: the rest is a journal body and gets a valid checksum line,
// so the fuzzer explores the JSON record; odd: the rest is the whole file as
// is (torn and edited files).  A decoded record must encode and decode to itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "civiup/transaction/journal.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string text = (data[0] & 1) != 0 ? std::string(body) : civiup::seal_journal(body);
  civiup::fuzz::expect_only_one_line_errors([&] {
    civiup::JournalRecord record = civiup::decode_journal(text);
    (void)record.past_commit_point();
    (void)record.finished();
    std::string encoded = civiup::encode_journal(record);
    if (civiup::encode_journal(civiup::decode_journal(encoded)) != encoded) {
      std::fprintf(stderr, "a decoded journal does not round-trip\n");
      std::abort();
    }
  });
  return 0;
}
