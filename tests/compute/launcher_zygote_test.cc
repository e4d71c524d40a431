// PosixLauncher's Python fork server path (LaunchSpec::python_fork_server)
// with real processes: the runtime client's bootstrap.py of the source
// tree and a handler module whose import reports what the process sees on
// descriptor 3, then does what MODE says. A forked process must look like
// a fresh start (environment, working directory, stdio, limits, umask,
// command line) and keep every guarantee of the normal path (its own
// group, exit status, logs, memory limit, a whole tree killed, no zombie).
// Waits are for real processes to finish, never for a timeout to pass.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "emulator/compute/function_service.h"
#include "emulator/compute/launcher.h"
#include "emulator/compute/python_zygote.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "tests/compute/fake_launcher.h"
#include "tests/compute/proc_util.h"

namespace fanlab::compute {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::milliseconds;

// The handler module: at import it writes one JSON object of facts to
// descriptor 3, a line to stdout and one to stderr, then acts on MODE.
constexpr const char* kApp = R"PY(
import json, os, resource, signal, subprocess, sys, time

def status_field(name):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()

with open("/proc/self/cmdline", "rb") as f:
    cmdline = f.read().decode().split("\0")[:-1]
facts = {
    "forked": "_fanlab_zygote" in sys.modules,
    "env": dict(os.environ),
    "cwd": os.getcwd(),
    "argv": sys.argv,
    "cmdline": cmdline,
    "main_file": sys.modules["__main__"].__file__,
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "pgid": os.getpgid(0),
    "umask": status_field("Umask"),
    "sigign": status_field("SigIgn"),
    "sigblk": status_field("SigBlk"),
    "nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
    "as": list(resource.getrlimit(resource.RLIMIT_AS)),
    # Pipes and sockets beyond 0-3 (a preloaded module may keep a file).
    "other_pipes": [t for t in (os.readlink("/proc/self/fd/" + fd)
                                for fd in os.listdir("/proc/self/fd")
                                if int(fd) > 3 and
                                os.path.exists("/proc/self/fd/" + fd))
                    if t.startswith(("pipe:", "socket:"))],
    "stdin": sys.stdin.read() if os.environ.get("MODE") == "stdin" else "",
    "stdout_line_buffering": sys.stdout.line_buffering,
    "stdin_seekable": sys.stdin.seekable(),
    "encoding": sys.stdout.encoding,
    "boto3_file": getattr(sys.modules.get("boto3"), "__file__", None),
    "tz": time.tzname[0],
}
if os.environ.get("MODE") == "vendored":
    import boto3
    facts["boto3_file"] = boto3.__file__
print("out line")
print("err line", file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
os.write(3, json.dumps(facts).encode() + b"\n")
mode = os.environ.get("MODE", "")
if mode == "exit":
    os._exit(7)
if mode == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "tree":
    marker = os.environ["MARKER"]
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.run(["/bin/sh", "-c",
                    "(setsid sleep %s &); (sleep %s &)" % (marker, marker)])
    os.write(3, b"started\n")
    while True:
        time.sleep(1000)
if mode == "memory":
    os.write(3, b"started\n")
    while True:
        time.sleep(1000)

def handler(event, context):
    return {}
)PY";

std::string SourceBootstrap() {
  return (fs::path(FANLAB_SCENARIOS_DIR) / ".." / "functions" / "runtimes" /
          "python" / "bootstrap.py")
      .lexically_normal()
      .string();
}

bool HaveBoto3() {
  return std::system("/usr/bin/python3 -c 'import boto3' 2>/dev/null") == 0;
}

// Zombies among this process's children: what was never reaped (their
// command lines, to say which).
std::string OwnZombies() {
  std::string out;
  for (const auto& p : testing::AllProcesses()) {
    if (p.ppid == ::getpid() && p.state == 'Z') {
      out += std::to_string(p.pid) + " " + p.cmdline + ";";
    }
  }
  return out;
}

int CountWithMarker(const std::string& marker) {
  int n = 0;
  for (const auto& p : testing::AllProcesses()) {
    if (p.cmdline.find(marker) != std::string::npos) ++n;
  }
  return n;
}

class LauncherZygoteTest : public ::testing::Test {
 protected:
  struct Run {
    std::shared_ptr<FunctionProcess> process;
    std::string result;
    std::optional<ExitStatus> exit;
    json::object Facts() const {
      auto line = result.substr(0, result.find('\n'));
      return json::parse(line).as_object();
    }
  };

  void SetUp() override {
    if (!HaveBoto3()) GTEST_SKIP() << "/usr/bin/python3 has no boto3";
    code_ = fs::temp_directory_path() /
            ("fanlab-zygote-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter_++));
    fs::create_directories(code_);
    std::ofstream(code_ / "app.py") << kApp;
  }

  void TearDown() override {
    std::error_code ec;
    if (!code_.empty()) fs::remove_all(code_, ec);
  }

  LaunchSpec Spec(const std::string& mode, bool fork) {
    LaunchSpec spec;
    spec.argv = {"python3", SourceBootstrap()};
    spec.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TZ=:Europe/Paris",
                "LAMBDA_TASK_ROOT=" + code_.string(), "_HANDLER=app.handler",
                // Nothing listens: after the import the client exits 1.
                "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1",
                "FANLAB_TEST_VALUE=forty two", "MODE=" + mode};
    spec.working_dir = code_.string();
    spec.open_files = 77;
    spec.python_fork_server = fork;
    return spec;
  }

  // Launches `spec` into `run` (whose address the callbacks keep), feeds
  // `input` and closes stdin.
  void Launch(Run& run, const LaunchSpec& spec, const std::string& input = "") {
    auto launched = launcher_.Launch(
        spec, {.on_result = [&run](std::string_view b) { run.result += b; },
               .on_exit = [&run](const ExitStatus& s) { run.exit = s; }});
    ASSERT_TRUE(launched.ok()) << launched.status().ToString();
    run.process = *launched;
    if (!input.empty()) run.process->Write(input);
    run.process->CloseStdin();
  }

  void Finish(Run& run) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!run.exit && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(100));
    }
    ASSERT_TRUE(run.exit.has_value()) << "the process never finished";
  }

  void WaitFor(Run& run, const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (run.result.find(text) == std::string::npos && !run.exit &&
           std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(100));
    }
    ASSERT_NE(run.result.find(text), std::string::npos) << run.result;
  }

  static inline int counter_ = 0;
  fs::path code_;
  boost::asio::io_context io_;
  PosixLauncher launcher_{io_};
};

TEST_F(LauncherZygoteTest, AForkedProcessSeesWhatAFreshStartSees) {
  Run fresh;
  Launch(fresh, Spec("stdin", false), "frame bytes");
  Finish(fresh);
  Run forked;
  Launch(forked, Spec("stdin", true), "frame bytes");
  Finish(forked);
  json::object a = fresh.Facts(), b = forked.Facts();
  EXPECT_FALSE(a["forked"].as_bool());
  EXPECT_TRUE(b["forked"].as_bool());
  // Python adds nothing to the environment given but what it adds itself
  // at start (the same in both).
  EXPECT_EQ(a["env"], b["env"]);
  EXPECT_EQ(b["env"].as_object()["FANLAB_TEST_VALUE"], "forty two");
  EXPECT_FALSE(b["env"].as_object().contains("FANLAB_PYTHON_ZYGOTE_FD"));
  for (const char* same :
       {"cwd", "argv", "cmdline", "main_file", "umask", "sigign", "sigblk",
        "nofile", "as", "other_pipes", "stdin", "stdout_line_buffering",
        "stdin_seekable", "encoding", "tz"}) {
    EXPECT_EQ(a[same], b[same]) << same;
  }
  EXPECT_EQ(b["cwd"], json::value(code_.string()));
  EXPECT_EQ(b["stdin"], "frame bytes");
  EXPECT_EQ(b["tz"], "CET");
  EXPECT_EQ(b["nofile"], json::array({77, 77}));
  EXPECT_EQ(b["other_pipes"], json::array());
  // This process's child, leader of its own group.
  EXPECT_EQ(b["ppid"].as_int64(), ::getpid());
  EXPECT_EQ(b["pid"].as_int64(), forked.process->pid());
  EXPECT_EQ(b["pgid"].as_int64(), forked.process->pid());
  // Its logs and exit come back as for any process (the client exits 1:
  // nothing listens on the Runtime API).
  for (Run* run : {&fresh, &forked}) {
    std::string logs = run->process->LogTail(1 << 16);
    EXPECT_NE(logs.find("out line\n"), std::string::npos) << logs;
    EXPECT_NE(logs.find("err line\n"), std::string::npos) << logs;
    EXPECT_EQ(run->exit->Describe(), "exit status 1");
  }
  EXPECT_EQ(OwnZombies(), "");
}

TEST_F(LauncherZygoteTest, ExitStatusesComeBackAsForAStartedProcess) {
  Run exited;
  Launch(exited, Spec("exit", true));
  Finish(exited);
  EXPECT_TRUE(exited.Facts()["forked"].as_bool());
  EXPECT_EQ(exited.exit->Describe(), "exit status 7");
  Run crashed;
  Launch(crashed, Spec("segv", true));
  Finish(crashed);
  EXPECT_TRUE(crashed.exit->signaled);
  EXPECT_EQ(crashed.exit->Describe(), "signal: segmentation fault");
  EXPECT_EQ(OwnZombies(), "");
}

TEST_F(LauncherZygoteTest, TerminateKillsAForkedProcesssWholeTree) {
  std::string marker = "4242" + std::to_string(::getpid());
  LaunchSpec spec = Spec("tree", true);
  spec.env.push_back("MARKER=" + marker);
  Run run;
  auto launched = launcher_.Launch(
      spec, {.on_result = [&](std::string_view b) { run.result += b; },
             .on_exit = [&](const ExitStatus& s) { run.exit = s; }});
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  run.process = *launched;
  WaitFor(run, "started\n");
  ASSERT_TRUE(run.Facts()["forked"].as_bool());
  // Both sleepers run: one in a session of its own.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (CountWithMarker(marker) < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(milliseconds(10));
  }
  ASSERT_EQ(CountWithMarker(marker), 2);
  // It ignores SIGTERM: only the SIGKILL after the grace ends it.
  run.process->Terminate(milliseconds(50));
  Finish(run);
  EXPECT_TRUE(run.exit->signaled);
  EXPECT_EQ(run.exit->code, SIGKILL);
  EXPECT_EQ(CountWithMarker(marker), 0);
  EXPECT_EQ(OwnZombies(), "");
}

TEST_F(LauncherZygoteTest, TheMemoryLimitHoldsForAForkedProcess) {
  LaunchSpec spec = Spec("memory", true);
  spec.rss_limit_bytes = 1 << 20;  // less than any Python's
  spec.memory_sample_period = milliseconds(5);
  Run run;
  Launch(run, spec);
  WaitFor(run, "started\n");
  ASSERT_TRUE(run.Facts()["forked"].as_bool());
  run.process->WatchMemory(true);
  Finish(run);
  EXPECT_TRUE(run.exit->out_of_memory);
  EXPECT_EQ(run.exit->Describe(), "signal: killed");
  EXPECT_GT(run.process->PeakMemoryBytes(), uint64_t(1) << 20);
}

TEST_F(LauncherZygoteTest, CodeWithItsOwnBoto3StartsTheNormalWay) {
  fs::create_directories(code_ / "boto3");
  std::ofstream(code_ / "boto3" / "__init__.py") << "VENDORED = True\n";
  Run run;
  Launch(run, Spec("vendored", true));
  Finish(run);
  json::object facts = run.Facts();
  EXPECT_FALSE(facts["forked"].as_bool());
  EXPECT_EQ(facts["boto3_file"],
            json::value((code_ / "boto3" / "__init__.py").string()));
}

TEST_F(LauncherZygoteTest, AModuleFileNamedLikeAPreloadedOneStartsNormally) {
  // json is imported by the zygote, not by a fresh start's client.
  std::ofstream(code_ / "json.py") << "from _json import *\n";
  PythonZygote* shared = nullptr;
  std::string why;
  auto zygote =
      ZygotePool::Shared().Get("/usr/bin/python3", SourceBootstrap(),
                               PythonStartupEnv(Spec("", true).env), &why);
  ASSERT_NE(zygote, nullptr) << why;
  shared = zygote.get();
  EXPECT_EQ(shared->SharedModuleIn(code_.string()), "json");
  fs::remove(code_ / "json.py");
  EXPECT_EQ(shared->SharedModuleIn(code_.string()), "");
  // Metadata folders and data files are no modules.
  fs::create_directories(code_ / "boto3-1.26.dist-info");
  std::ofstream(code_ / "botocore.txt") << "notes\n";
  EXPECT_EQ(shared->SharedModuleIn(code_.string()), "");
  std::ofstream(code_ / "botocore.cpython-311-x86_64-linux-gnu.so") << "";
  EXPECT_EQ(shared->SharedModuleIn(code_.string()), "botocore");
}

TEST_F(LauncherZygoteTest, AZygoteThatCannotStartFallsBackToTheNormalWay) {
  // A bootstrap.py that exits at once: as a fork server it is never
  // ready, so the process is started the normal way (and exits 3).
  fs::path dir = code_ / "broken-runtime";
  fs::create_directories(dir);
  std::ofstream(dir / "bootstrap.py")
      << "import os, sys\nos.write(3, b'plain start\\n')\nsys.exit(3)\n";
  LaunchSpec spec = Spec("", true);
  spec.argv[1] = (dir / "bootstrap.py").string();
  Run run;
  Launch(run, spec);
  Finish(run);
  EXPECT_EQ(run.result, "plain start\n");
  EXPECT_EQ(run.exit->Describe(), "exit status 3");
  EXPECT_EQ(OwnZombies(), "");
}

TEST_F(LauncherZygoteTest, ManyForkedProcessesShareOneZygoteAndLeaveNoZombie) {
  std::vector<Run> runs(8);
  for (auto& run : runs) Launch(run, Spec("exit", true));
  for (auto& run : runs) {
    Finish(run);
    EXPECT_TRUE(run.Facts()["forked"].as_bool());
    EXPECT_EQ(run.exit->code, 7);
  }
  std::string why;
  auto zygote =
      ZygotePool::Shared().Get("/usr/bin/python3", SourceBootstrap(),
                               PythonStartupEnv(Spec("", true).env), &why);
  ASSERT_NE(zygote, nullptr) << why;
  // The zygote is alive, this process's child, in this process's group (no
  // function's: sweeps leave it alone).
  bool found = false;
  for (const auto& p : testing::AllProcesses()) {
    if (p.pid == zygote->pid()) {
      found = true;
      EXPECT_EQ(p.ppid, ::getpid());
      EXPECT_EQ(p.pgrp, ::getpgrp());
      EXPECT_NE(p.state, 'Z');
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(OwnZombies(), "");
}

// Which launches FunctionService marks for the fork server: python3.x
// runtimes started by fanlab's client, unless turned off for the emulator
// (option or FANLAB_PYTHON_ZYGOTE=0) or for the function (its own
// FANLAB_PYTHON_ZYGOTE=0).
class PythonForkServerChoiceTest : public ::testing::Test {
 protected:
  struct Service {
    explicit Service(bool option) {
      FunctionServiceOptions o{.endpoint = "inproc://engine"};
      o.runtimes_dir = "/opt/runtimes";
      o.python_zygote = option;
      service = std::make_unique<FunctionService>(clock, launcher, ids, o);
      service->SetRuntimeApiListeners(&launcher.runtime_api());
      launcher.Define("python3",
                      [](const FakeEvent&) { return FakeReply::Result("{}"); });
      launcher.Define("node",
                      [](const FakeEvent&) { return FakeReply::Result("{}"); });
    }
    // Whether `runtime`'s first environment was marked.
    bool Marked(const std::string& runtime,
                std::map<std::string, std::string> env = {}) {
      FunctionConfig c;
      c.name = "fn" + std::to_string(launcher.launched().size());
      c.runtime = runtime;
      c.handler = "app.handler";
      c.code_dir = "/tmp";
      c.env = std::move(env);
      auto created = service->CreateFunction(c);
      EXPECT_TRUE(created.ok()) << created.status().ToString();
      if (!created.ok()) return false;
      size_t before = launcher.launched().size();
      bool answered = false;
      service->Invoke(c.name, "{}",
                      [&](Result<InvokeResult>) { answered = true; });
      for (int i = 0; i < 1000 && !answered; ++i) {
        if (!clock.AdvanceToNextTimer()) break;
      }
      EXPECT_EQ(launcher.launched().size(), before + 1);
      const LaunchSpec& spec = launcher.launched().back()->spec();
      if (spec.python_fork_server) {
        EXPECT_EQ(spec.argv,
                  (std::vector<std::string>{
                      "python3", "/opt/runtimes/python/bootstrap.py"}));
      }
      return spec.python_fork_server;
    }
    VirtualClock clock;
    FakeLauncher launcher{clock};
    IdGenerator ids{7};
    std::unique_ptr<FunctionService> service;
  };
};

TEST_F(PythonForkServerChoiceTest, PythonRuntimesAreForkedUnlessTurnedOff) {
  Service on(true);
  EXPECT_TRUE(on.Marked("python3.12"));
  EXPECT_TRUE(on.Marked("python3.9"));
  EXPECT_FALSE(on.Marked("nodejs20.x"));
  EXPECT_FALSE(on.Marked("python3.12", {{"FANLAB_PYTHON_ZYGOTE", "0"}}));
  EXPECT_TRUE(on.Marked("python3.12", {{"FANLAB_PYTHON_ZYGOTE", "1"}}));
  Service off(false);
  EXPECT_FALSE(off.Marked("python3.12"));
}

TEST_F(PythonForkServerChoiceTest, TheEnvironmentVariableTurnsItOff) {
  const char* was = std::getenv("FANLAB_PYTHON_ZYGOTE");
  std::string saved = was != nullptr ? was : "";
  ::setenv("FANLAB_PYTHON_ZYGOTE", "0", 1);
  {
    Service service(true);
    EXPECT_FALSE(service.Marked("python3.12"));
  }
  ::setenv("FANLAB_PYTHON_ZYGOTE", "1", 1);
  {
    Service service(true);
    EXPECT_TRUE(service.Marked("python3.12"));
  }
  if (was != nullptr) {
    ::setenv("FANLAB_PYTHON_ZYGOTE", saved.c_str(), 1);
  } else {
    ::unsetenv("FANLAB_PYTHON_ZYGOTE");
  }
}

}  // namespace
}  // namespace fanlab::compute
