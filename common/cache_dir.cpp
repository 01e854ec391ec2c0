#include "common/cache_dir.h"

#include <cstdlib>

namespace waybill {

std::filesystem::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "waybill";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "waybill";
  }
  return {};
}

}  // namespace waybill
