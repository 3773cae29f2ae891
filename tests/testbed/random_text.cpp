#include "testbed/random_text.hpp"

#include <array>
#include <iterator>

namespace civiup::testbed {
namespace {

constexpr std::string_view kWords[] = {
    "Contact",     "Email",      "Address",    "Phone",    "Activity", "Contribution", "Membership",   "Event",
    "Participant", "Group",      "Tag",        "Mailing",  "Campaign", "Case",         "Relationship", "Note",
    "Domain",      "Setting",    "Option",     "Value",    "Field",    "Custom",       "Report",       "Payment",
    "Processor",   "Financial",  "Account",    "Trxn",     "Line",     "Item",         "Price",        "Set",
    "Pledge",      "Grant",      "Survey",     "Petition", "Queue",    "Job",          "Log",          "Cache",
    "Menu",        "Navigation", "Dashboard",  "Widget",   "Profile",  "Form",         "Page",         "Controller",
    "Selector",    "Search",     "Builder",    "Display",  "Afform",   "Api4",         "Action",       "Entity",
    "Query",       "Select",     "Where",      "Join",     "Order",    "Limit",        "Result",       "Utils",
    "Array",       "String",     "Date",       "Money",    "Rule",     "Hook",         "Dispatcher",   "Container",
    "Service",     "Event",      "Token",      "Message",  "Template", "Smarty",       "Resources",    "Angular",
    "Bundle",      "Asset",      "Extension",  "Manager",  "Upgrade",  "Incremental",  "Schema",       "Table",
    "Column",      "Index",      "Trigger",    "Import",   "Export",   "Parser",       "Dedupe",       "Merger",
    "Batch",       "Mapper",     "Permission", "Role",     "User",     "Session",      "Config",       "Locale",
    "Country",     "State",      "County",     "Currency", "Location", "Type",         "Status",       "Priority",
    "Source",      "Target",     "Assignee",   "Subject",  "Details",  "Amount",       "Total",        "Fee",
    "Net",         "Receive",    "Thankyou",   "Receipt",  "Invoice",  "Refund",       "Cancel",       "Renew",
    "Pending",     "Completed",  "Failed",     "Recur",    "Schedule", "Reminder",     "Mosaico"};

constexpr std::array<std::string_view, 12> kVerbs = {"get",   "set",    "create",   "delete",  "update", "load",
                                                     "build", "format", "validate", "process", "render", "check"};

void append_identifier(std::string& out, DeterministicRandom& random, int parts) {
  for (int i = 0; i < parts; ++i) out += kWords[random.below(std::size(kWords))];
}

void append_line(std::string& out, DeterministicRandom& random) {
  int indent = static_cast<int>(random.below(4)) * 2;
  out.append(static_cast<size_t>(indent), ' ');
  switch (random.below(9)) {
    case 0:
      out += "// ";
      for (int i = 0, n = 3 + static_cast<int>(random.below(8)); i < n; ++i) {
        out += kVerbs[random.below(kVerbs.size())];
        out += ' ';
        out += kWords[random.below(std::size(kWords))];
        out += ' ';
      }
      break;
    case 1:
      out += "public function ";
      out += kVerbs[random.below(kVerbs.size())];
      append_identifier(out, random, 2);
      out += "($params = []) {";
      break;
    case 2:
      out += "return $this->";
      out += kVerbs[random.below(kVerbs.size())];
      append_identifier(out, random, 1);
      out += "($";
      append_identifier(out, random, 1);
      out += "Id);";
      break;
    case 3:
      out += "if (empty($params['";
      append_identifier(out, random, 1);
      out += "_id'])) {";
      break;
    case 4:
      out += "}";
      break;
    case 5:
      out += "$";
      append_identifier(out, random, 2);
      out += " = CRM_";
      append_identifier(out, random, 1);
      out += "_BAO_";
      append_identifier(out, random, 1);
      out += "::";
      out += kVerbs[random.below(kVerbs.size())];
      out += "($params);";
      break;
    case 6:
      out += "$result['";
      append_identifier(out, random, 1);
      out += "'] = ts('";
      append_identifier(out, random, 2);
      out += " %1', [1 => $";
      append_identifier(out, random, 1);
      out += "]);";
      break;
    case 7:
      out += "foreach ($";
      append_identifier(out, random, 1);
      out += "s as $key => $value) {";
      break;
    default:
      out += "throw new CRM_Core_Exception('";
      append_identifier(out, random, 3);
      out += "');";
      break;
  }
  out += '\n';
}

}  // namespace

std::string_view vocabulary_word(uint64_t index) { return kWords[index % std::size(kWords)]; }

std::string pseudo_source(uint64_t seed, size_t bytes) {
  DeterministicRandom random(seed);
  std::string out;
  out.reserve(bytes + 256);
  while (out.size() < bytes) append_line(out, random);
  out.resize(bytes);
  return out;
}

}  // namespace civiup::testbed
