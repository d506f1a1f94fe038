"""wrk as the load generator for the submissions (``--generator wrk``), and the baseline runs.

wrk costs the machine less per request than the harness's own clients, but cannot say which
address got which answer, so it cannot retry and the faults refuse it.
"""

import os
import re
import signal
import subprocess
import time

from bench.harness import BenchError, parse_wrk

WRK_SCRIPT = r"""
-- Submissions with distinct addresses; stops once __N__ of them have been answered, or, should wrk
-- lose one to a socket error without calling response(), once 2000 answers to the filler request
-- that follows the last submission have come back.
local token, cookie, tag, n, forwarded = "__TOKEN__", "__COOKIE__", "__TAG__", __N__, __FORWARDED__
sent, answered, filler, statuses, finished, checked = 0, 0, 0, {}, false, false
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie,
                 ["Connection"] = "close"}
local threads = {}

function setup(thread) table.insert(threads, thread) end

function request()
  -- wrk calls request() once at start-up to check the script, and never sends that one.
  if not checked then
    checked = true
    return wrk.format("GET", "/robots.txt")
  end
  if sent >= n then return wrk.format("GET", "/robots.txt") end
  local i = sent
  sent = sent + 1
  if forwarded then
    -- A distinct client address per signer in 100.64.0.0/10, as the Python generator sends.
    headers["X-Forwarded-For"] = string.format("100.%d.%d.%d", 64 + math.floor(i / 65536) % 64,
                                               math.floor(i / 256) % 256, i % 256)
  end
  local body = "csrf_token=" .. token .. "&first_name=%C3%89lodie&last_name=Tremblay&email=load-" .. tag ..
               "-" .. i .. "%40example.org&province=QC&city=Gatineau&display=full"
  return wrk.format("POST", "/en/sign", headers, body)
end

function response(status, hdrs, body)
  if status ~= 200 then
    answered = answered + 1
    statuses[status] = (statuses[status] or 0) + 1
  elseif sent >= n then
    filler = filler + 1
  end
  if (answered >= n or filler >= 2000) and not finished then
    -- wrk waits out its -d duration after a thread stops: the harness, seeing this file, sends SIGINT.
    finished = true
    local marker = io.open("__DONE_FILE__", "w")
    marker:write("done\n")
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, count in pairs(t:get("statuses")) do io.write(string.format("status %d %d\n", code, count)) end
    io.write(string.format("answered %d\n", t:get("answered")))
  end
end
"""


def run_wrk_submissions(wrk, base_url, visitor, tag, count, clients, workdir, forwarded):
    script = workdir / "submit.lua"
    text = WRK_SCRIPT.replace("__TOKEN__", visitor.token).replace("__COOKIE__", visitor.cookie)
    text = text.replace("__FORWARDED__", "true" if forwarded else "false")
    marker = workdir / "wrk.done"
    text = text.replace("__DONE_FILE__", str(marker))
    script.write_text(text.replace("__TAG__", tag).replace("__N__", str(count)))
    command = [wrk, "-t1", f"-c{clients}", "-d3600s", "--timeout=30s", "--latency", "-s", str(script), base_url + "/"]
    started = time.perf_counter()
    with open(workdir / "wrk.out", "w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        interrupted = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if marker.exists() and not interrupted:
                process.send_signal(signal.SIGINT)  # wrk then prints its summary and the script's done()
                interrupted = True
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError(f"wrk failed ({process.returncode}):\n{output}")
    statuses = {int(code): int(n) for code, n in re.findall(r"^status (\d+) (\d+)$", output, re.M)}
    result = parse_wrk(output, "/en/sign")
    return result, statuses, seconds, usage.ru_utime + usage.ru_stime


def run_baseline(wrk, base_url, seconds):
    command = [wrk, "-t1", "-c8", f"-d{seconds}s", "--timeout=5s", "--latency", base_url + "/robots.txt"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if completed.returncode != 0:
        raise BenchError(f"wrk failed on /robots.txt:\n{completed.stderr}{completed.stdout}")
    return parse_wrk(completed.stdout, "/robots.txt")
