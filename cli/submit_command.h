// `waybill submit`: what its exit status says, and which failures it tries again.
#pragma once

#include <string_view>

namespace waybill::cli {

/// The exit statuses of `waybill submit`, for scripts. Only 0 and 1 mean that a batch exists.
enum SubmitStatus : int {
  kAllAccepted = 0,   ///< the batch is stored (and routed, with --wait); lines may be rejected
  kSomeRejected = 1,  ///< with --fail-on-rejects: the batch is stored, some lines rejected
                      ///< (`rejects` says which, why). Not the default: scripts written before
                      ///< it (the pipeline's acceptance check among them) take 0 for "stored"
  kRefused = 2,       ///< nothing stored, and trying again will not help: a usage error, a file
                      ///< that is not a batch file or cannot be read, an unknown graph, a key
                      ///< the dispatcher refuses, a batch it refuses
  kUnavailable = 3,   ///< nothing stored: no answer from the dispatcher, or its database away,
                      ///< after every attempt; try again later
};

/// Whether a submit that the dispatcher failed with `error` (SubmitReply::error) may succeed
/// when tried again. The reply carries no kind, but the dispatcher ends the text of each
/// transient failure with what the client should do, "; retry" or "; start over" (database
/// unavailable, a submit it lost in a restart, a part it could not store); the permanent ones do
/// not ("no graph named ...", "refused: ...", a bad hash or snap radius). A client queued for a
/// receiving slot is not failed: it is answered with the stage `queued`.
bool transient_submit_error(std::string_view error);

}  // namespace waybill::cli
