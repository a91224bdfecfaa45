#pragma once

// Every error text a client can receive, in one place, with Redis 7's exact code prefix and
// wording. Handlers never spell out error text; they pick a constant or a formatter here.
// Texts carry no leading '-' and no CRLF: ReplyWriter::Error adds them.

#include <span>
#include <string>
#include <string_view>

namespace cachette::protocol::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kIntOutOfRange =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kIncrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kDecrOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kIncrFloatNanOrInf =
    "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kOutOfMemory =
    "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
// CONFIG SET maxclients past what the descriptor limit allows; followed by the number it allows.
inline constexpr std::string_view kMaxClientsOverFdLimit =
    "The operating system is not able to handle the specified number of clients, try with ";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kProtoVersionNotInteger =
    "ERR Protocol version is not an integer or out of range";
inline constexpr std::string_view kInvalidClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kExpireNxWithOthers =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kExpireGtAndLt =
    "ERR GT and LT options at the same time are not compatible";
inline constexpr std::string_view kTimeoutNotInteger =
    "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kNoShutdownInProgress = "ERR No shutdown in progress.";
// DEBUG while enable-debug-command does not allow the client (Redis 7.0's processCommand).
inline constexpr std::string_view kDebugNotAllowed =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";
inline constexpr std::string_view kShutdownNotAllowed =
    "ERR Errors trying to SHUTDOWN. Check logs.";
inline constexpr std::string_view kInvalidFirstDbIndex = "ERR invalid first DB index";
inline constexpr std::string_view kInvalidSecondDbIndex = "ERR invalid second DB index";
inline constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

// Transactions.
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kNestedMulti = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kWatchInMulti = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kNotAllowedInMulti =
    "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kExecAbortPrevious =
    "EXECABORT Transaction discarded because of previous errors.";
// "EXECABORT Transaction discarded because of: <error>", the error without a plain "ERR " code
// (Redis keeps other codes: "... because of: OOM command not allowed ...").
std::string ExecAbortBecause(std::string_view error);

// Scripting.
inline constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";
inline constexpr std::string_view kNumKeysNegative = "ERR Number of keys can't be negative";
inline constexpr std::string_view kNumKeysTooMany =
    "ERR Number of keys can't be greater than number of args";
inline constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kNotBusy = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view kUnkillable =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.";
inline constexpr std::string_view kScriptFlushOption =
    "ERR SCRIPT FLUSH only support SYNC|ASYNC option";
// Functions.
inline constexpr std::string_view kFunctionNotFound = "ERR Function not found";
inline constexpr std::string_view kBadNumberOfKeys = "ERR Bad number of keys provided";
inline constexpr std::string_view kWriteFlagInReadOnlyCall =
    "ERR Can not execute a script with write flag using *_ro command.";
inline constexpr std::string_view kLibraryNotFound = "ERR Library not found";
inline constexpr std::string_view kFunctionFlushOption =
    "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
inline constexpr std::string_view kLibraryNameMissing = "ERR library name argument was not given";
inline constexpr std::string_view kWrongRestorePolicy =
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
// redis.call refusals (the script's error carries them).
inline constexpr std::string_view kScriptUnknownCommand =
    "ERR Unknown Redis command called from script";
inline constexpr std::string_view kScriptWrongArity =
    "ERR Wrong number of args calling Redis command from script";
inline constexpr std::string_view kScriptNotAllowed =
    "ERR This Redis command is not allowed from script";
inline constexpr std::string_view kScriptWriteInReadOnly =
    "ERR Write commands are not allowed from read-only scripts.";
// Client and admin commands.
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
inline constexpr std::string_view kClientIdNotPositive = "ERR client-id should be greater than 0";
inline constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
inline constexpr std::string_view kResetNotNormal = "ERR can only reset normal client connections";
inline constexpr std::string_view kMonitorDenyBlocking =
    "ERR MONITOR isn't allowed for DENY BLOCKING client";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kPauseMode = "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr std::string_view kInvalidCommandSpecified = "ERR Invalid command specified";
inline constexpr std::string_view kInvalidArgumentCount =
    "ERR Invalid number of arguments specified for command";
inline constexpr std::string_view kNoKeyArguments = "ERR The command has no key arguments";
inline constexpr std::string_view kNoConfigFile = "ERR The server is running without a config file";
inline constexpr std::string_view kRewriteFailed =
    "ERR Rewriting config file: ";  // followed by strerror text
inline constexpr std::string_view kSlowlogCount = "ERR count should be greater than or equal to -1";
// "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP." (Redis's
// addReplySubcommandSyntaxError; `container` upper-case)
std::string SubcommandSyntax(std::string_view container, std::string_view subcommand);
// "ERR Unknown client type 'foo'"
std::string UnknownClientType(std::string_view type);
// "ERR No such user 'foo'"
std::string NoSuchUser(std::string_view user);
// "ERR Unrecognized option 'foo'" (CLIENT SETINFO)
std::string UnrecognizedOption(std::string_view option);
// "ERR lib-name cannot contain spaces, newlines or special characters." (as the client spelled
// the attribute)
std::string InvalidClientAttribute(std::string_view attribute);

// Protocol errors (the connection is closed after the reply).
inline constexpr std::string_view kProtoTooBigInline = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kProtoUnbalancedQuotes =
    "ERR Protocol error: unbalanced quotes in request";
inline constexpr std::string_view kProtoTooBigMbulkCount =
    "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kProtoInvalidMbulkLength =
    "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kProtoTooBigBulkCount =
    "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kProtoInvalidBulkLength =
    "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kProtoUnauthenticatedMbulkLength =
    "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kProtoUnauthenticatedBulkLength =
    "ERR Protocol error: unauthenticated bulk length";
// "ERR Protocol error: expected '$', got 'x'"
std::string ProtoExpectedDollar(char got);

// "ERR Syntax error in HELLO option 'FOO'"
std::string HelloSyntax(std::string_view option);
// "ERR wrong number of arguments for 'get' command" (full name: "config|get").
std::string WrongArity(std::string_view full_name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " (Redis's 128-byte caps).
std::string UnknownCommand(std::string_view name, std::span<const std::string_view> args);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP." (container as sent, upper-cased).
std::string UnknownSubcommand(std::string_view container, std::string_view subcommand);
// "ERR Unsupported option NOPE" (EXPIRE's options)
std::string UnsupportedOption(std::string_view option);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpireTime(std::string_view command);
// "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
std::string ConfigSetUnknown(std::string_view name);
// "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - <reason>"
std::string ConfigSetFailed(std::string_view name, std::string_view reason);

}  // namespace cachette::protocol::errors
