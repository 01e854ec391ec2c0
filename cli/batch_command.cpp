// `waybill batch archive | drop | restore`: retention of finished batches, straight in
// PostgreSQL (the dispatcher keeps no state of a finished batch).
#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include <filesystem>
#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/content_reader.h"
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

int batch_archive_command(std::span<const std::string> args) {
  std::string db, to;
  std::int64_t batch = 0;
  po::options_description options(
      "waybill batch archive --db CONNINFO BATCH --to FILE\n\nWrites a finished batch (its row, "
      "jobs, routes, rejects and chunks_done) to FILE:\nsections of COPY text, compressed when "
      "FILE ends in .gz or .zst. `waybill batch restore FILE`\nloads it back; `waybill batch drop "
      "BATCH` then frees its space.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("to", po::value(&to), "the archive file to write (FILE.tmp until complete)")
      ("batch", po::value(&batch), "the batch to archive");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "batch archive", "batch")) return *status;
  if (batch <= 0 || to.empty()) {
    std::cerr << "waybill batch archive: which batch, to which file? (waybill batch archive BATCH "
                 "--to FILE)\n\n"
              << options << '\n';
    return 2;
  }
  namespace io = boost::iostreams;
  const std::filesystem::path file(to);
  std::filesystem::path partial(to);
  partial += ".tmp";
  try {
    dispatcher::Store store(db);
    {
      io::filtering_ostream out;
      if (file.extension() == ".gz") out.push(io::gzip_compressor());
      if (file.extension() == ".zst") out.push(io::zstd_compressor());
      out.push(io::file_sink(partial.string(), std::ios::binary));
      if (!out.component<io::file_sink>(out.size() - 1)->is_open()) {
        throw std::runtime_error("cannot open " + partial.native() + " for writing");
      }
      out.exceptions(std::ios::badbit | std::ios::failbit);
      store.archive_batch(batch, [&](std::string_view piece) {
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      });
      out.pop();  // flushes the compressor's end and closes the file
      while (!out.empty()) out.pop();
    }
    std::filesystem::rename(partial, file);
    std::cout << "batch " << batch << " archived to " << file.string() << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    std::cerr << "waybill batch archive: " << e.what() << '\n';
    return 1;
  }
}

int batch_restore_command(std::span<const std::string> args) {
  std::string db, from;
  po::options_description options(
      "waybill batch restore --db CONNINFO FILE\n\nLoads an archive written by `waybill batch "
      "archive` as a new batch (plain, .gz or .zst),\nin one transaction: a malformed or cut "
      "archive stores nothing.\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(""), "PostgreSQL conninfo (default: PG* variables)")
      ("file", po::value(&from), "the archive");
  po::variables_map vm;
  if (auto status = parse_options(args, options, vm, "batch restore", "file")) return *status;
  if (from.empty()) {
    std::cerr << "waybill batch restore: which archive? (waybill batch restore FILE)\n\n"
              << options << '\n';
    return 2;
  }
  try {
    ContentReader reader(from);
    LineReader lines(reader);
    dispatcher::Store store(db);
    const std::int64_t id =
        store.restore_batch([&](std::string& line) { return lines.next(line); });
    std::cout << "restored as batch " << id << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "waybill batch restore: " << from << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace

int batch_command(std::span<const std::string> args) {
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "drop") return batch_drop_command(args.subspan(1));
  if (sub == "archive") return batch_archive_command(args.subspan(1));
  if (sub == "restore") return batch_restore_command(args.subspan(1));
  std::cerr << "waybill batch: expected a subcommand: archive, drop or restore\n";
  return 2;
}

}  // namespace waybill::cli
