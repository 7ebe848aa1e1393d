package audit

// Group is a set of syscalls that reach the same effect, so that denying
// one while another stays allowed leaves the door open (rule sibling-gap).
// The list is closed: Groups returns all of them, each with its reason.
type Group struct {
	Name   string
	Reason string
	// Members are syscall names; a name an arch lacks is skipped there.
	Members []string
	// Hub, when set, is equivalent to each member but the members are
	// not equivalent to each other (socketcall does what each socket
	// call does).
	Hub string
}

// Groups returns the equivalence groups of the sibling-gap rule.
func Groups() []Group {
	return []Group{
		{Name: "open", Reason: "each opens (or creates) a file by path: creat is open with O_CREAT|O_WRONLY|O_TRUNC",
			Members: []string{"open", "openat", "openat2", "creat"}},
		{Name: "execve", Reason: "each runs a program", Members: []string{"execve", "execveat"}},
		{Name: "clone", Reason: "each creates a process or thread", Members: []string{"clone", "clone3", "fork", "vfork"}},
		{Name: "io_uring", Reason: "together they run I/O that seccomp never sees; a ring set up or passed in works with enter and register",
			Members: []string{"io_uring_setup", "io_uring_enter", "io_uring_register"}},
		{Name: "socketcall", Reason: "on the arches that have it (i386), socketcall(2) multiplexes every socket call",
			Hub: "socketcall", Members: []string{"socket", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
				"socketpair", "sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg", "recvmsg", "recvmmsg", "sendmmsg"}},
		{Name: "sendfile", Reason: "each copies between file descriptors inside the kernel",
			Members: []string{"sendfile", "sendfile64", "splice", "copy_file_range"}},
		{Name: "rename", Reason: "each renames a path", Members: []string{"rename", "renameat", "renameat2"}},
		{Name: "unlink", Reason: "each removes a directory entry", Members: []string{"unlink", "unlinkat", "rmdir"}},
		{Name: "chmod", Reason: "each changes a file's mode", Members: []string{"chmod", "fchmod", "fchmodat", "fchmodat2"}},
		{Name: "chown", Reason: "each changes a file's owner", Members: []string{"chown", "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32"}},
		{Name: "link", Reason: "each makes a new name for a file", Members: []string{"link", "linkat", "symlink", "symlinkat"}},
		{Name: "mount", Reason: "the new mount API (5.2) mounts as mount(2) does", Members: []string{"mount", "fsopen", "fsmount", "move_mount", "open_tree"}},
		{Name: "kexec", Reason: "each loads a new kernel to boot", Members: []string{"kexec_load", "kexec_file_load"}},
		{Name: "module", Reason: "each loads a kernel module", Members: []string{"init_module", "finit_module"}},
		{Name: "kill", Reason: "each sends a signal to another process or thread", Members: []string{"kill", "tkill", "tgkill", "pidfd_send_signal"}},
		{Name: "process_vm", Reason: "each writes another process's memory", Members: []string{"process_vm_writev", "ptrace"}},
	}
}

// pairs returns the (a, b) pairs of g that are equivalent.
func (g Group) pairs() [][2]string {
	var out [][2]string
	if g.Hub != "" {
		for _, m := range g.Members {
			out = append(out, [2]string{g.Hub, m}, [2]string{m, g.Hub})
		}
		return out
	}
	for _, a := range g.Members {
		for _, b := range g.Members {
			if a != b {
				out = append(out, [2]string{a, b})
			}
		}
	}
	return out
}
