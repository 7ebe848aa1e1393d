; goseccompbpf-stale-accumulator: what github.com/elastic/go-seccomp-bpf
; v1.6.0 assembles for the policy
;   default_action: allow
;   syscalls:
;     - names_with_args: [{name: write, arguments: [{position: 0, operation: Equal, value: 1}]}]
;       action: log
;     - names: [read]
;       action: errno
; (fuzz/examples/goseccompbpf checks that it still does). write(0, ...)
; should be allowed, but after write's condition fails A holds the low half
; of arg 0, and "jne #0" compares that with read's number: write(0, ...)
; gets ERRNO(EPERM), as if it were read.

	ld [4]				; arch
	jne #0xc000003e, allow
	ld [0]				; nr
	jlt #0x40000000, native
	ret #0x50026			; x32: ERRNO(ENOSYS)
native:
	jne #1, not_write		; write?
	ld [20]				; arg 0, high half
	jne #0, not_write
	ld [16]				; arg 0, low half
	jne #1, not_write
	ret #0x7ffc0000			; LOG
not_write:
	jne #0, allow			; read? A is nr, or a half of arg 0
	ret #0x50001			; ERRNO(EPERM)
allow:
	ret #0x7fff0000
