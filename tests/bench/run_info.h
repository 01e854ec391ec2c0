// What every benchmark number is recorded with (STYLE.md 23, libosmium benchmarks/README.md):
// the machine, the commit of the source tree and the load on the box while it ran.
#pragma once

#include <sched.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

namespace waybill::bench {

/// The CPUs this process may run on, as `nproc` counts them (affinity, not the whole box).
inline unsigned cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return static_cast<unsigned>(CPU_COUNT(&set));
}

/// The first "model name" of /proc/cpuinfo, or "unknown CPU".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown CPU";
}

/// The 1, 5 and 15 minute load averages, "1.02 0.80 0.61", or "?" off Linux.
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return "?";
  return one + ' ' + five + ' ' + fifteen;
}

/// The first line a shell command prints, or "" when it fails or prints nothing.
inline std::string first_line_of(const std::string& command) {
  const std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return {};
  std::array<char, 256> buffer{};
  if (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) == nullptr) return {};
  std::string line(buffer.data());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

/// The commit of the source tree at run time, e.g. "4c32e5e" or "4c32e5e-dirty" when the working
/// tree has uncommitted changes (then the numbers are for code no commit holds). Asked of git
/// when the program runs, not when it was built: rebuild after checking out another commit.
inline std::string source_commit(const std::string& source_dir) {
  const std::string commit =
      first_line_of("git -C '" + source_dir + "' describe --always --dirty --abbrev=7 2>/dev/null");
  return commit.empty() ? "unknown (no git checkout at " + source_dir + ")" : commit;
}

}  // namespace waybill::bench
