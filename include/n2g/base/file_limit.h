// Writes past the per-file size limit (RLIMIT_FSIZE, `ulimit -f`, set by some clusters) fail with
// EFBIG like writes to a full disk, and end as an error naming the file, instead of the process
// being killed by SIGXFSZ.
#pragma once

namespace n2g {

// Ignores SIGXFSZ. With N2G_TEST_FILE_LIMIT=<bytes> in the environment it also lowers the limit
// to that many bytes: the tests' way to make the writes of a file fail at a chosen point, as a
// full disk would (called after MPI_Init, whose shared-memory files need more room).
void handle_file_size_limit();

}  // namespace n2g
