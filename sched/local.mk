# sched: sources, noinst library and tests of this module.
