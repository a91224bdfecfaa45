// A family's table: its group and ACL category on every row, and the categories Redis derives
// from the flags (setImplicitACLCategories).

#include "cachette/commands/command_spec.h"

#include <gtest/gtest.h>

namespace cachette::commands {
namespace {

Status Noop(CommandContext&) { return kOk; }

constexpr CommandSpec kSubSpec{.name = "box|sub",
                               .arity = 2,
                               .flags = kReadonly,
                               .since = "1.0.0",
                               .summary = "s",
                               .handler = Noop};
constexpr CommandFamily kFamily{.group = "string", .acl_category = kAclString};
constexpr auto kSubs = kFamily.Rows({kSubSpec});
constexpr auto kTable = kFamily.Rows({
    CommandSpec{.name = "get",
                .arity = 2,
                .flags = kReadonly | kFast,
                .since = "1.0.0",
                .summary = "s",
                .handler = Noop},
    CommandSpec{.name = "set",
                .arity = -3,
                .flags = kWrite | kDenyOom,
                .since = "1.0.0",
                .summary = "s",
                .handler = Noop},
    CommandSpec{.name = "keys",
                .arity = 2,
                .flags = kReadonly,
                .acl_categories = kAclDangerous,
                .since = "1.0.0",
                .summary = "s",
                .handler = Noop},
    CommandSpec{.name = "box", .arity = -2, .since = "1.0.0", .summary = "s", .subcommands = kSubs},
});

TEST(CommandFamilyTest, EveryRowGetsTheFamilyGroup) {
  for (const CommandSpec& spec : kTable) {
    EXPECT_EQ(spec.group, "string") << spec.name;
  }
  EXPECT_EQ(kSubs[0].group, "string");
}

TEST(CommandFamilyTest, FlagsImplyReadWriteFastAndSlow) {
  EXPECT_EQ(kTable[0].acl_categories, kAclRead | kAclString | kAclFast);
  EXPECT_EQ(kTable[1].acl_categories, kAclWrite | kAclString | kAclSlow);
}

TEST(CommandFamilyTest, ARowKeepsItsOwnCategories) {
  EXPECT_EQ(kTable[2].acl_categories, kAclRead | kAclString | kAclSlow | kAclDangerous);
}

TEST(CommandFamilyTest, ABareContainerIsOnlySlow) {
  EXPECT_EQ(kTable[3].acl_categories, kAclSlow);
  EXPECT_EQ(kSubs[0].acl_categories, kAclRead | kAclString | kAclSlow);
}

TEST(ImplicitAclCategoriesTest, AdminIsDangerous) {
  EXPECT_EQ(WithImplicitAclCategories(kAdmin, 0), kAclAdmin | kAclSlow | kAclDangerous);
}

TEST(ImplicitAclCategoriesTest, ReadonlyScriptingCommandIsNotRead) {
  EXPECT_EQ(WithImplicitAclCategories(kReadonly, kAclScripting), kAclSlow | kAclScripting);
}

TEST(ImplicitAclCategoriesTest, AnExplicitFastCategoryIsNotSlow) {
  EXPECT_EQ(WithImplicitAclCategories(0, kAclFast), kAclFast);
}

TEST(AclCategoryNameTest, NamesFollowRedisTableOrder) {
  EXPECT_EQ(AclCategoryName(0), "@keyspace");
  EXPECT_EQ(AclCategoryName(7), "@string");
  EXPECT_EQ(AclCategoryName(kAclCategoryCount - 1), "@scripting");
  EXPECT_EQ(AclCategoryName(kAclCategoryCount), "");
}

}  // namespace
}  // namespace cachette::commands
