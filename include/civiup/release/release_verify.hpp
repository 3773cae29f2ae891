#pragma once
// Checking a release against CiviCRM's published checksums: the SHA-256 of
// the tarball (OpenSSL's EVP), its line in civicrm-X.Y.Z.SHA256SUMS, and the
// sums file's detached OpenPGP signature (gpgv with one keyring file).
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace civiup {

// The lowercase hex SHA-256 of a file.  Throws "<file>: <cause>".
std::string sha256_of_file(const std::filesystem::path& file);

// A SHA256SUMS text ("<64 hex>  <name>" per line, sha256sum's format, '*'
// binary marker allowed) as name -> hash.  Names are reduced to their file
// name.  Throws "<source>: line N: <cause>" on a malformed line.
std::map<std::string, std::string> parse_sha256sums(const std::string& text, const std::string& source);

// The hash SHA256SUMS lists for `file_name` (or for its other published form:
// -backdrop.tar.gz and -backdrop-unstable.tar.gz name the same release).
std::optional<std::string> listed_sha256(const std::map<std::string, std::string>& sums, const std::string& file_name);

// The keyring the signature must verify against: `option` (--keyring), else
// /etc/civiup/trusted-keys.gpg when it exists, else empty (no trusted key).
std::filesystem::path trusted_keyring(const std::string& option);

// Runs `gpgv --keyring KEYRING SIGNATURE DATA`.  Returns the signing key's
// fingerprint; throws "<signature>: <cause>" when the signature is bad, made
// by a key that is not in the keyring, or gpgv cannot run.
std::string verify_detached_signature(const std::filesystem::path& keyring, const std::filesystem::path& signature,
                                      const std::filesystem::path& data);

}  // namespace civiup
