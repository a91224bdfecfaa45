"""scripts/gen-command-args, which the build runs to generate the COMMAND DOCS tables: a command
of the table without data, or our data for a command the table lacks, fails it (and so the
build) with a message naming the command."""

import json
import os
import stat
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATOR = os.path.join(ROOT, "scripts", "gen-command-args")
REDIS_DATA = os.path.join(ROOT, "src", "commands", "data", "redis-7.0-command-docs.json")


def names_tool(tmp_path, names):
    tool = tmp_path / "names"
    tool.write_text("#!/bin/sh\nprintf '%s\\n' " + " ".join("'%s'" % n for n in names) + "\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return str(tool)


def generate(tmp_path, names, ours):
    ours_path = tmp_path / "ours.json"
    ours_path.write_text(json.dumps(ours))
    out = tmp_path / "command_arguments.cc"
    result = subprocess.run(["/usr/bin/python3", GENERATOR, "--names-tool",
                             names_tool(tmp_path, names), "--redis", REDIS_DATA, "--ours",
                             str(ours_path), "--out", str(out)], capture_output=True, text=True)
    return result, out


def test_tables_hold_redis_and_our_trees_for_the_named_commands(tmp_path):
    ours = {"mine": {"arguments": [{"name": "thing", "type": "string", "token": "THING"}]}}
    result, out = generate(tmp_path, ["get", "client|kill", "mine"], ours)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert '{"get", kGet' in text and '{"client|kill", kClientKill' in text
    assert '{"thing", "string", -1, "THING"' in text
    assert '"set"' not in text  # Redis's data for commands the table lacks is left out


def test_a_command_without_data_fails_naming_it(tmp_path):
    result, out = generate(tmp_path, ["get", "nosuchcommand"], {})
    assert result.returncode != 0
    assert "nosuchcommand is in the command table but has no data" in result.stderr
    assert not out.exists()


def test_our_data_for_a_command_the_table_lacks_fails_naming_it(tmp_path):
    result, out = generate(tmp_path, ["get"], {"gone": {}})
    assert result.returncode != 0
    assert "gone has data in" in result.stderr and "not in the command table" in result.stderr
    assert not out.exists()


def test_our_data_may_not_shadow_a_redis_command(tmp_path):
    result, _ = generate(tmp_path, ["get"], {"get": {}})
    assert result.returncode != 0
    assert "get is a Redis command" in result.stderr
