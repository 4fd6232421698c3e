# `make mutate`: every planted bug of mutate/mutations.lua must be noticed
# by the specs listed with it (scripts/mutate.lua says how). Included at the
# end of the top Makefile.
#
#   make mutate                   all of them (about 30 minutes on 2 cores)
#   make mutate ONLY=name[,name]  only those
#   make mutate MUTATE_JOBS=1     one at a time (default: processors + 1)
#   make mutate-check             only check that each mutation's text is
#                                 found once and each filter names a test
#
# Scratch copies live in build/mutate/<name>; a survivor's is kept for a
# look (its spec log too when killed with MUTATE_ARGS=--keep).

ONLY ?=
MUTATE_ARGS ?=
MUTATE_JOBS ?=

.PHONY: mutate mutate-check

# The specs' own build helpers come first (REFCRYPTO, when the tree has the
# hostile server's libcrypto helper), as for `make test`.
mutate: deps build $(REFCRYPTO) test-certs
	$(LUA) scripts/mutate.lua $(if $(ONLY),--only $(ONLY)) $(if $(MUTATE_JOBS),--jobs $(MUTATE_JOBS)) $(MUTATE_ARGS)

# Loads the specs (busted --list), so it needs the module and the specs' helpers; builds no mutant.
mutate-check: deps build $(REFCRYPTO) test-certs
	$(LUA) scripts/mutate.lua --check $(if $(ONLY),--only $(ONLY))
