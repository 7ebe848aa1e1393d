; Kills uretprobe (335 on x86_64), which bypasses seccomp on 6.14 and later.
ld [0]
jeq #335, kill, allow
kill: ret #0
allow: ret #0x7fff0000
