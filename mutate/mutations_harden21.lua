-- Mutations for harden21's checks, each killed by spec/harden21_spec.lua.
-- Same form as mutate/mutations.lua. (The checks shared with ticket key
-- files, in csrc/util/tls_file.c, are planted by mutations_api20.lua,
-- which lists this spec too.)
local S = "spec/harden21_spec.lua"
local KEYLOG = "csrc/engine/tls_keylog.c"
local FILE_C = "csrc/util/tls_file.c"

return {
  -- a key log file the group may read accepted
  { name = "h21_keylog_group_may_read", file = KEYLOG,
    from = [[policy = {077, "chmod 600",]],
    to = [[policy = {077 & ~040, "chmod 600",]],
    specs = { { S, "refuses an existing file open to others or to the group" } } },
  -- the key log opened as before: a symbolic link followed, any mode, any owner
  { name = "h21_keylog_unchecked_open", file = KEYLOG,
    from = [[kf->fd = tls_file_open_private(path, KEYLOG_FLAGS, KEYLOG_MODE, &policy, &st, why, sizeof why);]],
    to = [[kf->fd = open(path, KEYLOG_FLAGS | O_CLOEXEC, KEYLOG_MODE); why[0] = '\0'; (void)policy; (void)st;]],
    specs = { { S, "refuses a symbolic link, even to a good file" } } },
  -- the descriptor never closed: one leaked per context
  { name = "h21_keylog_fd_leaked", file = KEYLOG,
    from = [[        close(cfg->keylog_file->fd);]],
    to = [[        (void)0;]],
    specs = { { S, "holds one descriptor per context" } } },
  -- a FIFO without a reader reported as an OS error, not as what it is
  { name = "h21_fifo_not_named", file = FILE_C,
    from = [[        else if (e == ENXIO)]],
    to = [[        else if (0 && e == ENXIO)]],
    specs = { { S, "refuses a device, and a FIFO at once" } } },
}
