package seccompdata

// Errno is a Linux error number as the kernel returns it (asm-generic
// numbering, which x86_64 uses).
type Errno uint16

// Errnos the verifier and the action model refer to by name
// (include/uapi/asm-generic/errno-base.h, errno.h).
const (
	EPERM      Errno = 1
	ESRCH      Errno = 3
	EFAULT     Errno = 14
	EBUSY      Errno = 16
	EACCES     Errno = 13
	ENOMEM     Errno = 12
	EINVAL     Errno = 22
	ENOSYS     Errno = 38
	EOPNOTSUPP Errno = 95
)
