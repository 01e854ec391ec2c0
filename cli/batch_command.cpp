// `waybill batch drop BATCH`: retention of finished batches, straight in PostgreSQL (the
// dispatcher keeps no state of a finished batch).
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "dispatcher/store.h"

namespace waybill::cli {
namespace po = boost::program_options;

namespace {

int batch_drop_command(std::span<const std::string> args) {
  std::string db;
  std::int64_t batch = 0;
  po::options_description options(
      "waybill batch drop --db CONNINFO BATCH\n\nDrops a finished (or cancelled) batch: its jobs, "
      "routes, rejects, chunks_done rows and plans.\nA batch still routing, or with a plan in "
      "progress, is refused and nothing is dropped.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("batch", po::value(&batch), "the batch to drop");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "batch drop", "batch")) return *status;
  if (batch <= 0) {
    std::cerr << "waybill batch drop: which batch? (waybill batch drop BATCH)\n\n" << options << '\n';
    return 2;
  }
  try {
    dispatcher::Store store(db);
    store.drop_batch(batch);
    std::cout << "batch " << batch << " dropped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill batch drop: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace

int batch_command(std::span<const std::string> args) {
  if (!args.empty() && args[0] == "drop") return batch_drop_command(args.subspan(1));
  std::cerr << "waybill batch: expected a subcommand: drop\n";
  return 2;
}

}  // namespace waybill::cli
