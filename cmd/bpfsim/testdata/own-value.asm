; ALLOW with data: the filter's own value is 0x7fffef0f, but an ALLOW never
; replaces the kernel's initial ALLOW (seccomp_run_filters), so the kernel
; acts on 0x7fff0000.
ld #0x7fffef0f
ret a
