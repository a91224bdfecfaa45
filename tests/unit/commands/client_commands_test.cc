// CLIENT and RESET through the dispatcher, without a network layer (the harness has no
// ServerControl, so CLIENT LIST/KILL see only the calling client). Error texts were checked
// against redis-server 7.0 (SETINFO and NO-TOUCH against Redis 7.2's source).

#include <gtest/gtest.h>

#include <string>

#include "harness.h"

namespace cachette::commands::testing {
namespace {

const std::string kOk = "+OK\r\n";

class ClientCommandsTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(std::move(args)); }
  CommandHarness h_;
};

TEST_F(ClientCommandsTest, IdIsTheClientsId) {
  h_.client().id = 42;
  EXPECT_EQ(Run({"CLIENT", "ID"}), Int(42));
  EXPECT_EQ(Run({"CLIENT", "ID", "x"}),
            Err("ERR wrong number of arguments for 'client|id' command"));
}

TEST_F(ClientCommandsTest, SetnameAndGetname) {
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "worker-1"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "a b"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("worker-1"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", ""}), kOk);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), "$-1\r\n");
}

TEST_F(ClientCommandsTest, SetinfoRecordsTheLibraryAndShowsItInClientInfo) {
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "lib-ver", "5.0.1"}), kOk);
  const std::string info = Run({"CLIENT", "INFO"});
  EXPECT_NE(info.find(" lib-name=redis-py lib-ver=5.0.1\n"), std::string::npos) << info;
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "lib-foo", "x"}), Err("ERR Unrecognized option 'lib-foo'"));
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "Lib-Name", "a b"}),
            Err("ERR Lib-Name cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"CLIENT", "SETINFO", "lib-name"}),
            Err("ERR wrong number of arguments for 'client|setinfo' command"));
}

TEST_F(ClientCommandsTest, InfoIsOneClientListLine) {
  h_.client().id = 7;
  h_.client().peer_address = "127.0.0.1:5000";
  h_.client().local_address = "127.0.0.1:6379";
  h_.client().created_at_ms = util::UnixTimeMs();
  const std::string info = Run({"CLIENT", "INFO"});
  EXPECT_EQ(info.rfind("$", 0), 0u);
  EXPECT_NE(info.find("id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=-1 name= age=0 idle=0 "
                      "flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "),
            std::string::npos)
      << info;
  EXPECT_NE(info.find(" cmd=client|info user=default redir=-1 resp=2 "), std::string::npos);
  h_.Resp3();
  EXPECT_EQ(Run({"CLIENT", "INFO"}).rfind("=", 0), 0u);  // verbatim string
}

TEST_F(ClientCommandsTest, ListShowsFlagsDbAndMultiCount) {
  h_.client().id = 3;
  Run({"SELECT", "2"});
  Run({"CLIENT", "NO-EVICT", "on"});
  Run({"MULTI"});
  Run({"SET", "k", "v"});
  // CLIENT LIST inside MULTI is queued; run the listing at EXEC.
  const std::string exec = Run({"CLIENT", "LIST"});
  EXPECT_EQ(exec, "+QUEUED\r\n");
  const std::string reply = Run({"EXEC"});
  EXPECT_NE(reply.find("flags=e db=2 "), std::string::npos) << reply;
  Run({"MULTI"});
  Run({"SET", "k", "v"});
  Run({"DISCARD"});
  const std::string list = Run({"CLIENT", "LIST"});
  EXPECT_NE(list.find("id=3 "), std::string::npos);
  EXPECT_NE(list.find("flags=e db=2 sub=0 psub=0 ssub=0 multi=-1 "), std::string::npos) << list;
}

TEST_F(ClientCommandsTest, ListFilters) {
  h_.client().id = 5;
  EXPECT_NE(Run({"CLIENT", "LIST", "TYPE", "normal"}).find("id=5 "), std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "replica"}), "$0\r\n\r\n");
  EXPECT_NE(Run({"CLIENT", "LIST", "ID", "9", "5"}).find("id=5 "), std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "0"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "x"}), Err("ERR Unknown client type 'x'"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "x"}), Err("ERR Invalid client ID"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "normal", "x"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandsTest, KillErrors) {
  EXPECT_EQ(Run({"CLIENT", "KILL"}),
            Err("ERR wrong number of arguments for 'client|kill' command"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "1.2.3.4:5"}), Err("ERR No such client"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "0"}), Err("ERR client-id should be greater than 0"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "x"}), Err("ERR client-id should be greater than 0"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "TYPE", "foo"}), Err("ERR Unknown client type 'foo'"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "USER", "bob"}), Err("ERR No such user 'bob'"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "SKIPME", "maybe"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "5", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "NOPE", "x"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "KILL", "1.2.3.4:5", "x"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandsTest, KillCountsMatchesAndSkipsTheCallerByDefault) {
  h_.client().id = 9;
  h_.client().peer_address = "127.0.0.1:4000";
  h_.client().local_address = "127.0.0.1:6379";
  EXPECT_EQ(Run({"CLIENT", "KILL", "ID", "9"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "KILL", "ADDR", "127.0.0.1:4001", "SKIPME", "no"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "no"}), Int(0));
  EXPECT_EQ(Run({"CLIENT", "KILL", "USER", "default", "LADDR", "127.0.0.1:6379"}), Int(0));
  EXPECT_FALSE(h_.client().close_after_reply);
  EXPECT_EQ(Run({"CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "SKIPME", "no"}), Int(1));
  EXPECT_TRUE(h_.client().close_after_reply);
}

TEST_F(ClientCommandsTest, OldStyleKillOfTheCallerRepliesOkThenCloses) {
  h_.client().peer_address = "127.0.0.1:4000";
  EXPECT_EQ(Run({"CLIENT", "KILL", "127.0.0.1:4000"}), kOk);
  EXPECT_TRUE(h_.client().close_after_reply);
}

TEST_F(ClientCommandsTest, NoEvictAndNoTouchTakeOnOrOff) {
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "ON"}), kOk);
  EXPECT_TRUE(h_.client().no_evict);
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "off"}), kOk);
  EXPECT_FALSE(h_.client().no_evict);
  EXPECT_EQ(Run({"CLIENT", "NO-EVICT", "maybe"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"CLIENT", "NO-TOUCH", "on"}), kOk);
  EXPECT_TRUE(h_.client().no_touch);
  EXPECT_NE(Run({"CLIENT", "INFO"}).find(" flags=T "), std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "NO-TOUCH", "x"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandsTest, NoTouchReadsLeaveTheLfuCounterAloneButTouchCounts) {
  ASSERT_EQ(Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0"}), kOk);
  Run({"SET", "k", "v"});
  const std::string start = Run({"OBJECT", "FREQ", "k"});
  Run({"GET", "k"});
  const std::string after_get = Run({"OBJECT", "FREQ", "k"});
  EXPECT_NE(after_get, start);  // with lfu-log-factor 0 every access counts
  Run({"CLIENT", "NO-TOUCH", "ON"});
  Run({"GET", "k"});
  Run({"EXISTS", "k"});
  Run({"MULTI"});
  Run({"GET", "k"});
  Run({"GET", "k"});
  Run({"EXEC"});
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}), after_get);
  Run({"TOUCH", "k"});
  const std::string after_touch = Run({"OBJECT", "FREQ", "k"});
  EXPECT_NE(after_touch, after_get);
  Run({"CLIENT", "NO-TOUCH", "OFF"});
  Run({"GET", "k"});
  EXPECT_NE(Run({"OBJECT", "FREQ", "k"}), after_touch);
}

TEST_F(ClientCommandsTest, ReplyOffDropsRepliesUntilOn) {
  EXPECT_EQ(Run({"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_EQ(Run({"SET", "k", "v"}), "");
  EXPECT_EQ(Run({"GET", "k"}), "");
  EXPECT_EQ(Run({"CLIENT", "REPLY", "SKIP"}), "");  // ignored while OFF
  EXPECT_EQ(Run({"CLIENT", "REPLY", "ON"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(ClientCommandsTest, ReplySkipDropsOnlyTheNextReply) {
  EXPECT_EQ(Run({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(Run({"SET", "k", "v"}), "");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"CLIENT", "REPLY", "maybe"}), Err("ERR syntax error"));
}

TEST_F(ClientCommandsTest, PauseSetsTheModeAndEndAndOnlyWidensOrLengthens) {
  const int64_t now = util::UnixTimeMs();
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "100000", "WRITE"}), kOk);
  EXPECT_EQ(h_.server().pause().mode(), ClientPause::kWrite);
  const int64_t end = h_.server().pause().end_ms();
  EXPECT_GE(end, now + 100000);
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10"}), kOk);  // ALL widens; the end stays
  EXPECT_EQ(h_.server().pause().mode(), ClientPause::kAll);
  EXPECT_EQ(h_.server().pause().end_ms(), end);
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "200000", "write"}), kOk);  // lengthens; ALL stays
  EXPECT_EQ(h_.server().pause().mode(), ClientPause::kAll);
  EXPECT_GT(h_.server().pause().end_ms(), end);
  const std::vector<std::string_view> get = {"GET", "k"};
  EXPECT_TRUE(h_.dispatcher().MustPostpone(h_.client(), get));
  EXPECT_EQ(Run({"CLIENT", "UNPAUSE"}), kOk);
  EXPECT_EQ(h_.server().pause().end_ms(), 0);
  EXPECT_FALSE(h_.dispatcher().MustPostpone(h_.client(), get));
}

TEST_F(ClientCommandsTest, WritePauseHoldsBackWritesAndExecOfWrites) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "100000", "WRITE"}), kOk);
  auto postponed = [&](std::vector<std::string_view> args) {
    return h_.dispatcher().MustPostpone(h_.client(), args);
  };
  EXPECT_TRUE(postponed({"SET", "k", "v"}));
  EXPECT_TRUE(postponed({"flushall"}));
  EXPECT_FALSE(postponed({"GET", "k"}));
  EXPECT_FALSE(postponed({"CONFIG", "GET", "x"}));
  EXPECT_FALSE(postponed({"NOSUCH"}));
  EXPECT_FALSE(postponed({"EXEC"}));
  Run({"MULTI"});
  Run({"GET", "k"});
  EXPECT_FALSE(postponed({"EXEC"}));
  h_.client().tx.queued.push_back({h_.table().Find("set"), 0, {"SET", "k", "v"}});
  EXPECT_TRUE(postponed({"EXEC"}));
  Run({"DISCARD"});
  Run({"CLIENT", "UNPAUSE"});
}

TEST_F(ClientCommandsTest, AnEndedPauseClearsItself) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "0"}), kOk);
  const std::vector<std::string_view> get = {"GET", "k"};
  EXPECT_FALSE(h_.dispatcher().MustPostpone(h_.client(), get));
  EXPECT_EQ(h_.server().pause().end_ms(), 0);
  EXPECT_EQ(h_.server().pause().mode(), ClientPause::kNone);
}

// With the harness's clock stopped, a pause holds until the instant it ends and not after,
// and active expiry (the background slice) waits for it.
TEST_F(ClientCommandsTest, APauseEndsWhenTheClockPassesItsEnd) {
  h_.clock().StopAt(1'700'000'000'000'000);
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "200"}), kOk);
  EXPECT_EQ(h_.server().pause().end_ms(), 1'700'000'000'200);
  const std::vector<std::string_view> get = {"GET", "k"};
  EXPECT_FALSE(h_.dispatcher().RunBackgroundSlice(/*idle=*/true, 0, 1));
  h_.clock().Advance(199'000);
  EXPECT_TRUE(h_.dispatcher().MustPostpone(h_.client(), get));
  h_.clock().Advance(1'000);
  EXPECT_FALSE(h_.dispatcher().MustPostpone(h_.client(), get));
  EXPECT_EQ(h_.server().pause().mode(), ClientPause::kNone);
}

TEST_F(ClientCommandsTest, PauseErrors) {
  EXPECT_EQ(Run({"CLIENT", "PAUSE"}),
            Err("ERR wrong number of arguments for 'client|pause' command"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "x"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "1.5"}), Err("ERR timeout is not an integer or out of range"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10", "foo"}),
            Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10", "write", "x"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT "
                "HELP."));
  EXPECT_EQ(Run({"CLIENT", "UNPAUSE", "x"}),
            Err("ERR wrong number of arguments for 'client|unpause' command"));
  EXPECT_EQ(h_.server().pause().end_ms(), 0);
}

TEST_F(ClientCommandsTest, GetredirAndHelpAndUnknownSubcommand) {
  EXPECT_EQ(Run({"CLIENT", "GETREDIR"}), Int(-1));
  EXPECT_EQ(Run({"CLIENT", "HELP"}).rfind("*", 0), 0u);
  EXPECT_EQ(Run({"CLIENT", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
  EXPECT_EQ(Run({"CLIENT"}), Err("ERR wrong number of arguments for 'client' command"));
}

TEST_F(ClientCommandsTest, ResetRestoresAFreshConnection) {
  Run({"SELECT", "3"});
  Run({"CLIENT", "SETNAME", "n"});
  Run({"CLIENT", "NO-TOUCH", "on"});
  Run({"WATCH", "w"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"SET", "k", "v"}), "+QUEUED\r\n");
  h_.client().resp_version = 3;
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(h_.client().tx.active);
  EXPECT_TRUE(h_.client().tx.watched.empty());
  EXPECT_EQ(h_.client().db, 0u);
  EXPECT_EQ(h_.client().resp_version, 2);
  EXPECT_FALSE(h_.client().no_touch);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");  // the queued SET never ran
  EXPECT_EQ(Run({"RESET", "x"}), Err("ERR wrong number of arguments for 'reset' command"));
}

TEST_F(ClientCommandsTest, ResetTurnsRepliesBackOn) {
  Run({"CLIENT", "REPLY", "OFF"});
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
}

TEST_F(ClientCommandsTest, ResetDeauthenticatesWhenAPasswordIsRequired) {
  ASSERT_EQ(Run({"CONFIG", "SET", "requirepass", "secret"}), kOk);
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(Run({"GET", "k"}), Err("NOAUTH Authentication required."));
  EXPECT_EQ(Run({"AUTH", "secret"}), kOk);
  ASSERT_EQ(Run({"CONFIG", "SET", "requirepass", ""}), kOk);
  EXPECT_EQ(Run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
}

}  // namespace
}  // namespace cachette::commands::testing
