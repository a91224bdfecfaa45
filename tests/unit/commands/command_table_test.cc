// Command lookup: any case, ASCII letters only folded, every name length, and the names the
// folded words alone cannot tell apart (over 16 bytes).

#include "cachette/commands/command_table.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace cachette::commands {
namespace {

Status Noop(CommandContext&) { return kOk; }

std::string Upper(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Every name length from 1 to 20, names that differ only in a byte next to the letters, and
// two 20-byte names that differ only in a middle byte.
class CommandTableTest : public ::testing::Test {
 protected:
  CommandTableTest() {
    const std::string letters = "abcdefghijklmnopqrst";
    for (size_t n = 1; n <= letters.size(); ++n) {
      names_.push_back(letters.substr(0, n));
    }
    for (const char* name : {"a@b", "a[b", "aaaaaaaaaxaaaaaaaaaa", "aaaaaaaaayaaaaaaaaaa"}) {
      names_.push_back(name);
    }
    for (const std::string& name : names_) {
      specs_.push_back(
          CommandSpec{.name = name, .arity = 1, .since = "1.0.0", .summary = "s", .handler = Noop});
    }
    table_.Register(specs_);
  }

  const CommandSpec* Find(std::string_view name) const { return table_.Find(name); }

  std::vector<std::string> names_;
  std::vector<CommandSpec> specs_;
  CommandTable table_;
};

TEST_F(CommandTableTest, FindsEveryNameInAnyCase) {
  for (const CommandSpec& spec : specs_) {
    EXPECT_EQ(Find(spec.name), &spec) << spec.name;
    EXPECT_EQ(Find(Upper(spec.name)), &spec) << spec.name;
    std::string mixed(spec.name);
    for (size_t i = 0; i < mixed.size(); i += 2) {
      mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
    }
    EXPECT_EQ(Find(mixed), &spec) << mixed;
  }
}

TEST_F(CommandTableTest, GivesTheIndexOfTheSpec) {
  for (const CommandSpec& spec : specs_) {
    size_t index = 0;
    ASSERT_EQ(table_.Find(Upper(spec.name), &index), &spec);
    EXPECT_EQ(&table_.spec_at(index), &spec);
  }
}

TEST_F(CommandTableTest, EveryByteCounts) {
  for (const std::string& name : names_) {
    for (size_t i = 0; i < name.size(); ++i) {
      std::string other = name;
      other[i] = '_';
      EXPECT_EQ(Find(other), nullptr) << other;
    }
    EXPECT_EQ(Find(name + "a"), nullptr) << name;
  }
  EXPECT_EQ(Find(""), nullptr);
  EXPECT_EQ(Find(std::string(65, 'a')), nullptr);
}

TEST_F(CommandTableTest, TellsLongNamesApartInTheMiddle) {
  EXPECT_EQ(Find("AAAAAAAAAXAAAAAAAAAA")->name, "aaaaaaaaaxaaaaaaaaaa");
  EXPECT_EQ(Find("aaaaaaaaaYaaaaaaaaaa")->name, "aaaaaaaaayaaaaaaaaaa");
  EXPECT_EQ(Find("aaaaaaaaazaaaaaaaaaa"), nullptr);
}

TEST_F(CommandTableTest, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(Find("A@B")->name, "a@b");
  EXPECT_EQ(Find("a`b"), nullptr);  // '`' is '@' | 0x20, but neither is a letter
  EXPECT_EQ(Find("A[B")->name, "a[b");
  EXPECT_EQ(Find("a{b"), nullptr);
  EXPECT_EQ(Find("\xc1\xc2"), nullptr);  // 'A' and 'B' with bit 7 set
  EXPECT_EQ(Find("\xe1\xe2"), nullptr);
  EXPECT_EQ(Find(std::string("a\0", 2)), nullptr);
}

TEST(CommandTableRealTest, FindsEveryRegisteredCommandInUpperCase) {
  CommandTable table;
  RegisterAllFamilies(table);
  ASSERT_FALSE(table.all().empty());
  for (const CommandSpec* spec : table.all()) {
    EXPECT_EQ(table.Find(Upper(spec->name)), spec) << spec->name;
  }
  EXPECT_EQ(table.Find("GETT"), nullptr);
  EXPECT_EQ(table.Find("GE"), nullptr);
}

}  // namespace
}  // namespace cachette::commands
