#!/usr/bin/env python3
"""py_agent.py: an interpreted baseline for bench_agent.

A minimal agent loop written the way an interpreted runtime does it: streaming OpenAI chat
completions over a keep-alive connection, SSE parsing, tool-call assembly from fragments,
the full native history, the four file/command tools, a JSONL conversation log written as
it goes and one SQLite row per step. It talks to the same loopback model server and plays
the same scripted run as skvm's engine in bench_agent, so the two CPU costs can be printed
side by side. Prints one JSON line: {"llm_calls", "tool_calls", "cpu_per_llm_ms",
"cpu_per_tool_ms", "cpu_total_ms", "wall_ms", "peak_rss_mib"}.

Usage: py_agent.py BASE_URL WORKDIR MAX_STEPS
"""
import http.client
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
import urllib.parse

TOOLS = [
    {"type": "function", "function": {"name": "read_file", "description": "Read a file",
     "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}},
    {"type": "function", "function": {"name": "write_file", "description": "Write a file",
     "parameters": {"type": "object", "properties": {"path": {"type": "string"},
                    "content": {"type": "string"}}, "required": ["path", "content"]}}},
    {"type": "function", "function": {"name": "list_directory", "description": "List a folder",
     "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}},
    {"type": "function", "function": {"name": "execute_command", "description": "Run a command",
     "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}},
]


def run_tool(workdir, name, args):
    path = os.path.join(workdir, args.get("path", "."))
    if name == "read_file":
        with open(path, encoding="utf-8") as f:
            return f.read()
    if name == "write_file":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(args["content"])
        return f"File written: {args['path']}"
    if name == "list_directory":
        return "\n".join(("[dir] " if os.path.isdir(os.path.join(path, e)) else "[file] ") + e
                         for e in sorted(os.listdir(path))) or "(empty directory)"
    if name == "execute_command":
        p = subprocess.run(["sh", "-c", args["command"]], cwd=workdir, capture_output=True,
                           text=True, timeout=30)
        return f"stdout:\n{p.stdout}\nexit code: {p.returncode}"
    return f"Unknown tool: {name}"


def complete(conn, path, messages):
    body = json.dumps({"model": "bench", "messages": messages, "tools": TOOLS, "stream": True,
                       "stream_options": {"include_usage": True}, "max_tokens": 4096})
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    text, calls, usage, buf = [], {}, {}, b""
    while True:
        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            for line in event.decode("utf-8").splitlines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    continue
                obj = json.loads(data)
                usage = obj.get("usage") or usage
                for ch in obj.get("choices") or []:
                    delta = ch.get("delta") or {}
                    if delta.get("content"):
                        text.append(delta["content"])
                    for tc in delta.get("tool_calls") or []:
                        c = calls.setdefault(tc["index"], {"id": "", "name": "", "arguments": ""})
                        c["id"] = tc.get("id") or c["id"]
                        fn = tc.get("function") or {}
                        c["name"] = fn.get("name") or c["name"]
                        c["arguments"] += fn.get("arguments") or ""
    return "".join(text), [calls[i] for i in sorted(calls)], usage


def main():
    base, workdir, max_steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    path = u.path.rstrip("/") + "/chat/completions"
    log = open(os.path.join(workdir, "conversation.jsonl"), "a", encoding="utf-8")
    db = sqlite3.connect(os.path.join(workdir, "runs.db"))
    db.execute("CREATE TABLE IF NOT EXISTS steps (idx INTEGER, kind TEXT, name TEXT, "
               "tokens_in INTEGER, tokens_out INTEGER, args TEXT, output TEXT)")
    messages = [{"role": "system", "content": "You complete tasks with tools."},
                {"role": "user", "content": "benchmark"}]
    llm_cpu = tool_cpu = 0.0
    llm_calls = tool_calls = 0
    t0, c0 = time.monotonic(), time.process_time()
    for step in range(max_steps):
        mark = time.process_time()
        log.write(json.dumps({"type": "request", "messages": messages}) + "\n")
        text, calls, usage = complete(conn, path, messages)
        log.write(json.dumps({"type": "response", "text": text, "toolCalls": calls,
                              "tokens": usage}) + "\n")
        log.flush()
        db.execute("INSERT INTO steps VALUES (?, 'llm', 'model', ?, ?, NULL, ?)",
                   (step, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), text))
        db.commit()
        llm_cpu += time.process_time() - mark
        llm_calls += 1
        msg = {"role": "assistant", "content": text or None}
        if calls:
            msg["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": c["arguments"]}}
                                 for c in calls]
        messages.append(msg)
        if not calls:
            break
        for c in calls:
            mark = time.process_time()
            out = run_tool(workdir, c["name"], json.loads(c["arguments"] or "{}"))
            messages.append({"role": "tool", "tool_call_id": c["id"], "content": out})
            db.execute("INSERT INTO steps VALUES (?, 'tool', ?, 0, 0, ?, ?)",
                       (step, c["name"], c["arguments"], out))
            db.commit()
            tool_cpu += time.process_time() - mark
            tool_calls += 1
    print(json.dumps({
        "llm_calls": llm_calls, "tool_calls": tool_calls,
        "cpu_per_llm_ms": llm_cpu * 1000 / max(llm_calls, 1),
        "cpu_per_tool_ms": tool_cpu * 1000 / max(tool_calls, 1),
        "cpu_total_ms": (time.process_time() - c0) * 1000,
        "wall_ms": (time.monotonic() - t0) * 1000,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main()
