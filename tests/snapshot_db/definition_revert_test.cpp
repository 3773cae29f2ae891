// Which ALTER TABLE undoes an upgrade's additions to a table (definition_revert.hpp):
// only added columns, keys and foreign keys (and AUTO_INCREMENT); anything else
// leaves the table to be reloaded.
#include <gtest/gtest.h>

#include "definition_revert.hpp"

namespace civiup::test {
namespace {

namespace db = civiup::snapshot::db;

const char* kDumped =
    "CREATE TABLE `note` (\n"
    "  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
    "  `body` text DEFAULT NULL,\n"
    "  PRIMARY KEY (`id`),\n"
    "  KEY `body_start` (`body`(20))\n"
    ") ENGINE=InnoDB AUTO_INCREMENT=101 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

std::optional<std::string> revert(const std::string& live) {
  return db::revert_statement("note", live, kDumped, db::AlterAlgorithm::mariadb_nocopy);
}

TEST(DefinitionRevert, AddedColumnsKeysAndForeignKeysAreDropped) {
  const std::string live =
      "CREATE TABLE `note` (\n"
      "  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n"
      "  `odd``name` int(11) DEFAULT NULL,\n"
      "  `body` text DEFAULT NULL,\n"
      "  `added` varchar(255) DEFAULT NULL COMMENT 'a, b',\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `UI_added` (`added`),\n"
      "  KEY `body_start` (`body`(20)),\n"
      "  FULLTEXT KEY `ft` (`body`),\n"
      "  CONSTRAINT `FK_x` FOREIGN KEY (`odd``name`) REFERENCES `other` (`id`)\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=105 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";
  EXPECT_EQ(revert(live),
            "ALTER TABLE `note` DROP COLUMN `odd``name`, DROP COLUMN `added`, DROP KEY `UI_added`, DROP KEY `ft`, "
            "DROP FOREIGN KEY `FK_x`, AUTO_INCREMENT = 101, ALGORITHM=NOCOPY");
  EXPECT_EQ(db::revert_statement("note", live, kDumped, db::AlterAlgorithm::mysql_instant)->substr(0, 39),
            "ALTER TABLE `note` DROP COLUMN `odd``na");
  EXPECT_TRUE(revert(live)->ends_with(", ALGORITHM=NOCOPY"));
  EXPECT_TRUE(
      db::revert_statement("note", live, kDumped, db::AlterAlgorithm::mysql_instant)->ends_with(", ALGORITHM=INSTANT"));
}

TEST(DefinitionRevert, OnlyAnotherAutoIncrement) {
  std::string live = kDumped;
  live.replace(live.find("AUTO_INCREMENT=101"), 18, "AUTO_INCREMENT=250");
  EXPECT_EQ(revert(live), "ALTER TABLE `note` AUTO_INCREMENT = 101, ALGORITHM=NOCOPY");
  EXPECT_EQ(db::without_auto_increment(live), db::without_auto_increment(kDumped));
}

TEST(DefinitionRevert, AnythingElseIsNotUndone) {
  auto changed = [](const std::string& from, const std::string& to) {
    std::string live = kDumped;
    live.replace(live.find(from), from.size(), to);
    return live;
  };
  EXPECT_EQ(revert(kDumped), std::nullopt) << "the same definition";
  EXPECT_EQ(revert(changed("`body` text", "`body` mediumtext")), std::nullopt) << "a changed column";
  EXPECT_EQ(revert(changed("  KEY `body_start` (`body`(20))\n", "")), std::nullopt) << "a removed key";
  EXPECT_EQ(revert(changed("  `body` text DEFAULT NULL,\n", "  `body` text DEFAULT NULL,\n  CHECK (`id` > 0),\n")),
            std::nullopt)
      << "an added CHECK constraint";
  EXPECT_EQ(revert(changed("ENGINE=InnoDB", "ENGINE=Aria")), std::nullopt) << "another table option";
  EXPECT_EQ(revert(changed("  `id` int", "  `extra` int(11) DEFAULT NULL,\n  `id` int") + "\nPARTITION BY HASH (`id`)"),
            std::nullopt)
      << "partitions after the options";
  EXPECT_EQ(revert(changed("CREATE TABLE `note`", "CREATE TABLE `other`")), std::nullopt) << "another table";
}

}  // namespace
}  // namespace civiup::test
