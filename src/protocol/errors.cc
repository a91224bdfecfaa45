#include "cachette/protocol/errors.h"

namespace cachette::protocol::errors {

namespace {

// Redis formats these texts with printf's %s from C strings, so an argument ends at its first
// NUL byte; we cut there too to send the same bytes.
std::string_view AsCString(std::string_view text) {
  const size_t nul = text.find('\0');
  return nul == std::string_view::npos ? text : text.substr(0, nul);
}

// printf's "%.<precision>s".
std::string_view Capped(std::string_view text, size_t precision) {
  return AsCString(text).substr(0, precision);
}

constexpr size_t kNameCap = 128;  // Redis's %.128s for user-supplied names

// before + text (cut at its first NUL, as %s does) + after.
std::string Framed(std::string_view before, std::string_view text, std::string_view after) {
  std::string out(before);
  out.append(AsCString(text));
  out.append(after);
  return out;
}

}  // namespace

std::string ProtoExpectedDollar(char got) {
  std::string out = "ERR Protocol error: expected '$', got '";
  out.push_back(got);
  out.push_back('\'');
  return out;
}

std::string ExecAbortBecause(std::string_view error) {
  if (error.starts_with("ERR ")) {
    error.remove_prefix(4);
  }
  std::string out = "EXECABORT Transaction discarded because of: ";
  out.append(error);
  return out;
}

std::string HelloSyntax(std::string_view option) {
  return Framed("ERR Syntax error in HELLO option '", option, "'");
}

std::string WrongArity(std::string_view full_name) {
  return Framed("ERR wrong number of arguments for '", full_name, "' command");
}

std::string UnknownCommand(std::string_view name, std::span<const std::string_view> args) {
  std::string out = "ERR unknown command '";
  out.append(Capped(name, kNameCap));
  out.append("', with args beginning with: ");
  // Redis stops adding arguments once they fill 128 bytes, and caps each one to what is left.
  const size_t start = out.size();
  for (size_t i = 0; i < args.size() && out.size() - start < kNameCap; ++i) {
    const size_t precision = kNameCap - (out.size() - start);
    out.push_back('\'');
    out.append(Capped(args[i], precision));
    out.append("' ");
  }
  return out;
}

std::string UnknownSubcommand(std::string_view container, std::string_view subcommand) {
  std::string out = "ERR unknown subcommand '";
  out.append(Capped(subcommand, kNameCap));
  out.append("'. Try ");
  const size_t at = out.size();
  out.append(AsCString(container));
  for (size_t i = at; i < out.size(); ++i) {
    // ASCII only, as toupper() in Redis's C locale.
    if (out[i] >= 'a' && out[i] <= 'z') {
      out[i] = static_cast<char>(out[i] - 'a' + 'A');
    }
  }
  out.append(" HELP.");
  return out;
}

std::string UnsupportedOption(std::string_view option) {
  return Framed("ERR Unsupported option ", option, "");
}

std::string InvalidExpireTime(std::string_view command) {
  return Framed("ERR invalid expire time in '", command, "' command");
}

std::string ConfigSetUnknown(std::string_view name) {
  return Framed("ERR Unknown option or number of arguments for CONFIG SET - '", name, "'");
}

std::string ConfigSetFailed(std::string_view name, std::string_view reason) {
  std::string out = "ERR CONFIG SET failed (possibly related to argument '";
  out.append(AsCString(name));
  out.append("') - ");
  out.append(AsCString(reason));
  return out;
}

std::string SubcommandSyntax(std::string_view container, std::string_view subcommand) {
  return "ERR unknown subcommand or wrong number of arguments for '" +
         std::string(Capped(subcommand, kNameCap)) + "'. Try " + std::string(container) + " HELP.";
}

std::string UnknownClientType(std::string_view type) {
  return Framed("ERR Unknown client type '", type, "'");
}

std::string NoSuchUser(std::string_view user) { return Framed("ERR No such user '", user, "'"); }

std::string UnrecognizedOption(std::string_view option) {
  return Framed("ERR Unrecognized option '", option, "'");
}

std::string InvalidClientAttribute(std::string_view attribute) {
  return Framed("ERR ", attribute, " cannot contain spaces, newlines or special characters.");
}

}  // namespace cachette::protocol::errors
