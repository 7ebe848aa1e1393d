; Docker's default filter for x86_64, x86 and x32 (corpus/filters/
; docker-default_x86_64+x86+x32.bpf, bpfcheck --print asm) with the clone
; rule its arches share loosened: clone is allowed whatever its flags.
	ld [4]                  ; arch
	jeq #0xc000003e, l3     ; AUDIT_ARCH_X86_64
	ja l626
l3:	ld [0]                  ; nr
	jeq #0, l228            ; read
	jeq #1, l228            ; write
	jeq #2, l228            ; open
	jeq #3, l228            ; close
	jeq #4, l228            ; stat
	jeq #5, l228            ; fstat
	jeq #6, l228            ; lstat
	jeq #7, l228            ; poll
	jeq #8, l228            ; lseek
	jeq #9, l228            ; mmap
	jeq #10, l228           ; mprotect
	jeq #11, l228           ; munmap
	jeq #12, l228           ; brk
	jeq #13, l228           ; rt_sigaction
	jeq #14, l228           ; rt_sigprocmask
	jeq #15, l228           ; rt_sigreturn
	jeq #16, l228           ; ioctl
	jeq #17, l228           ; pread64
	jeq #18, l228           ; pwrite64
	jeq #19, l228           ; readv
	jeq #20, l228           ; writev
	jeq #21, l228           ; access
	jeq #22, l228           ; pipe
	jeq #23, l228           ; select
	jeq #24, l228           ; sched_yield
	jeq #25, l228           ; mremap
	jeq #26, l228           ; msync
	jeq #27, l228           ; mincore
	jeq #28, l228           ; madvise
	jeq #29, l228           ; shmget
	jeq #30, l228           ; shmat
	jeq #31, l228           ; shmctl
	jeq #32, l228           ; dup
	jeq #33, l228           ; dup2
	jeq #34, l228           ; pause
	jeq #35, l228           ; nanosleep
	jeq #36, l228           ; getitimer
	jeq #37, l228           ; alarm
	jeq #38, l228           ; setitimer
	jeq #39, l228           ; getpid
	jeq #40, l228           ; sendfile
	jeq #42, l228           ; connect
	jeq #43, l228           ; accept
	jeq #44, l228           ; sendto
	jeq #45, l228           ; recvfrom
	jeq #46, l228           ; sendmsg
	jeq #47, l228           ; recvmsg
	jeq #48, l228           ; shutdown
	jeq #49, l228           ; bind
	jeq #50, l228           ; listen
	jeq #51, l228           ; getsockname
	jeq #52, l228           ; getpeername
	jeq #53, l228           ; socketpair
	jeq #54, l228           ; setsockopt
	jeq #55, l228           ; getsockopt
	jeq #57, l228           ; fork
	jeq #58, l228           ; vfork
	jeq #59, l228           ; execve
	jeq #60, l228           ; exit
	jeq #61, l228           ; wait4
	jeq #62, l228           ; kill
	jeq #63, l228           ; uname
	jeq #64, l228           ; semget
	jeq #65, l228           ; semop
	jeq #66, l228           ; semctl
	jeq #67, l228           ; shmdt
	jeq #68, l228           ; msgget
	jeq #69, l228           ; msgsnd
	jeq #70, l228           ; msgrcv
	jeq #71, l228           ; msgctl
	jeq #72, l228           ; fcntl
	jeq #73, l228           ; flock
	jeq #74, l228           ; fsync
	jeq #75, l228           ; fdatasync
	jeq #76, l228           ; truncate
	jeq #77, l228           ; ftruncate
	jeq #78, l228           ; getdents
	jeq #79, l228           ; getcwd
	jeq #80, l228           ; chdir
	jeq #81, l228           ; fchdir
	jeq #82, l228           ; rename
	jeq #83, l228           ; mkdir
	jeq #84, l228           ; rmdir
	jeq #85, l228           ; creat
	jeq #86, l228           ; link
	jeq #87, l228           ; unlink
	jeq #88, l228           ; symlink
	jeq #89, l228           ; readlink
	jeq #90, l228           ; chmod
	jeq #91, l228           ; fchmod
	jeq #92, l228           ; chown
	jeq #93, l228           ; fchown
	jeq #94, l228           ; lchown
	jeq #95, l228           ; umask
	jeq #96, l228           ; gettimeofday
	jeq #97, l228           ; getrlimit
	jeq #98, l228           ; getrusage
	jeq #99, l228           ; sysinfo
	jeq #100, l228          ; times
	jeq #101, l228          ; ptrace
	jeq #102, l228          ; getuid
	jeq #104, l228          ; getgid
	jeq #105, l228          ; setuid
	jeq #106, l228          ; setgid
	jeq #107, l228          ; geteuid
	jeq #108, l228          ; getegid
	jeq #109, l228          ; setpgid
	jeq #110, l228          ; getppid
	jeq #111, l228          ; getpgrp
	jeq #112, l228          ; setsid
	jeq #113, l228          ; setreuid
	jeq #114, l228          ; setregid
	jeq #115, l228          ; getgroups
	jeq #116, l228          ; setgroups
	jeq #117, l228          ; setresuid
	jeq #118, l228          ; getresuid
	jeq #119, l228          ; setresgid
	jeq #120, l228          ; getresgid
	jeq #121, l228          ; getpgid
	jeq #122, l228          ; setfsuid
	jeq #123, l228          ; setfsgid
	jeq #124, l228          ; getsid
	jeq #125, l228          ; capget
	jeq #126, l228          ; capset
	jeq #127, l228          ; rt_sigpending
	jeq #128, l228          ; rt_sigtimedwait
	jeq #129, l228          ; rt_sigqueueinfo
	jeq #130, l228          ; rt_sigsuspend
	jeq #131, l228          ; sigaltstack
	jeq #132, l228          ; utime
	jeq #133, l228          ; mknod
	jeq #137, l228          ; statfs
	jeq #138, l228          ; fstatfs
	jeq #140, l228          ; getpriority
	jeq #141, l228          ; setpriority
	jeq #142, l228          ; sched_setparam
	jeq #143, l228          ; sched_getparam
	jeq #144, l228          ; sched_setscheduler
	jeq #145, l228          ; sched_getscheduler
	jeq #146, l228          ; sched_get_priority_max
	jeq #147, l228          ; sched_get_priority_min
	jeq #148, l228          ; sched_rr_get_interval
	jeq #149, l228          ; mlock
	jeq #150, l228          ; munlock
	jeq #151, l228          ; mlockall
	jeq #152, l228          ; munlockall
	jeq #154, l228          ; modify_ldt
	jeq #157, l228          ; prctl
	jeq #158, l228          ; arch_prctl
	jeq #159, l228          ; adjtimex
	jeq #160, l228          ; setrlimit
	jeq #161, l228          ; chroot
	jeq #162, l228          ; sync
	jeq #186, l228          ; gettid
	jeq #187, l228          ; readahead
	jeq #188, l228          ; setxattr
	jeq #189, l228          ; lsetxattr
	jeq #190, l228          ; fsetxattr
	jeq #191, l228          ; getxattr
	jeq #192, l228          ; lgetxattr
	jeq #193, l228          ; fgetxattr
	jeq #194, l228          ; listxattr
	jeq #195, l228          ; llistxattr
	jeq #196, l228          ; flistxattr
	jeq #197, l228          ; removexattr
	jeq #198, l228          ; lremovexattr
	jeq #199, l228          ; fremovexattr
	jeq #200, l228          ; tkill
	jeq #201, l228          ; time
	jeq #202, l228          ; futex
	jeq #203, l228          ; sched_setaffinity
	jeq #204, l228          ; sched_getaffinity
	jeq #205, l228          ; set_thread_area
	jeq #206, l228          ; io_setup
	jeq #207, l228          ; io_destroy
	jeq #208, l228          ; io_getevents
	jeq #209, l228          ; io_submit
	jeq #210, l228          ; io_cancel
	jeq #211, l228          ; get_thread_area
	jeq #213, l228          ; epoll_create
	jeq #214, l228          ; epoll_ctl_old
	jeq #215, l228          ; epoll_wait_old
	jeq #216, l228          ; remap_file_pages
	jeq #217, l228          ; getdents64
	jeq #218, l228          ; set_tid_address
	jeq #219, l228          ; restart_syscall
	jeq #220, l228          ; semtimedop
	jeq #221, l228          ; fadvise64
	jeq #222, l228          ; timer_create
	jeq #223, l228          ; timer_settime
	jeq #224, l228          ; timer_gettime
	jeq #225, l228          ; timer_getoverrun
	jeq #226, l228          ; timer_delete
	jeq #228, l228          ; clock_gettime
	jeq #229, l228          ; clock_getres
	jeq #230, l228          ; clock_nanosleep
	jeq #231, l228          ; exit_group
	jeq #232, l228          ; epoll_wait
	jeq #233, l228          ; epoll_ctl
	jeq #234, l228          ; tgkill
	jeq #235, l228          ; utimes
	jeq #240, l228          ; mq_open
	jeq #241, l228          ; mq_unlink
	jeq #242, l228          ; mq_timedsend
	jeq #243, l228          ; mq_timedreceive
	jeq #244, l228          ; mq_notify
	jeq #245, l228          ; mq_getsetattr
	jeq #247, l228          ; waitid
	jeq #251, l228          ; ioprio_set
	jeq #252, l228          ; ioprio_get
	jeq #253, l228          ; inotify_init
	jeq #254, l228          ; inotify_add_watch
	jeq #255, l228          ; inotify_rm_watch
	jeq #257, l228          ; openat
	jeq #258, l228          ; mkdirat
	jeq #259, l228          ; mknodat
	jeq #260, l228          ; fchownat
	jeq #261, l228          ; futimesat
	jeq #262, l228          ; newfstatat
	jeq #263, l228          ; unlinkat
	jeq #264, l228          ; renameat
	jeq #265, l228          ; linkat
	jeq #266, l228          ; symlinkat
	jne #267, l229          ; readlinkat
l228:	ret #0x7fff0000         ; ALLOW
l229:	jeq #268, l485          ; fchmodat
	jeq #269, l485          ; faccessat
	jeq #270, l485          ; pselect6
	jeq #271, l485          ; ppoll
	jeq #273, l485          ; set_robust_list
	jeq #274, l485          ; get_robust_list
	jeq #275, l485          ; splice
	jeq #276, l485          ; tee
	jeq #277, l485          ; sync_file_range
	jeq #278, l485          ; vmsplice
	jeq #280, l485          ; utimensat
	jeq #281, l485          ; epoll_pwait
	jeq #282, l485          ; signalfd
	jeq #283, l485          ; timerfd_create
	jeq #284, l485          ; eventfd
	jeq #285, l485          ; fallocate
	jeq #286, l485          ; timerfd_settime
	jeq #287, l485          ; timerfd_gettime
	jeq #288, l485          ; accept4
	jeq #289, l485          ; signalfd4
	jeq #290, l485          ; eventfd2
	jeq #291, l485          ; epoll_create1
	jeq #292, l485          ; dup3
	jeq #293, l485          ; pipe2
	jeq #294, l485          ; inotify_init1
	jeq #295, l485          ; preadv
	jeq #296, l485          ; pwritev
	jeq #297, l485          ; rt_tgsigqueueinfo
	jeq #299, l485          ; recvmmsg
	jeq #301, l485          ; fanotify_mark
	jeq #302, l485          ; prlimit64
	jeq #303, l485          ; name_to_handle_at
	jeq #305, l485          ; clock_adjtime
	jeq #306, l485          ; syncfs
	jeq #307, l485          ; sendmmsg
	jeq #309, l485          ; getcpu
	jeq #310, l485          ; process_vm_readv
	jeq #311, l485          ; process_vm_writev
	jeq #314, l485          ; sched_setattr
	jeq #315, l485          ; sched_getattr
	jeq #316, l485          ; renameat2
	jeq #317, l485          ; seccomp
	jeq #318, l485          ; getrandom
	jeq #319, l485          ; memfd_create
	jeq #322, l485          ; execveat
	jeq #324, l485          ; membarrier
	jeq #325, l485          ; mlock2
	jeq #326, l485          ; copy_file_range
	jeq #327, l485          ; preadv2
	jeq #328, l485          ; pwritev2
	jeq #329, l485          ; pkey_mprotect
	jeq #330, l485          ; pkey_alloc
	jeq #331, l485          ; pkey_free
	jeq #332, l485          ; statx
	jeq #333, l485          ; io_pgetevents
	jeq #334, l485          ; rseq
	jeq #424, l485          ; pidfd_send_signal
	jeq #434, l485          ; pidfd_open
	jne #435, l289          ; clone3
	ret #0x50026            ; ERRNO(38) ENOSYS
l289:	jeq #436, l485          ; close_range
	jeq #437, l485          ; openat2
	jeq #439, l485          ; faccessat2
	jeq #441, l485          ; epoll_pwait2
	jeq #444, l485          ; landlock_create_ruleset
	jeq #445, l485          ; landlock_add_rule
	jeq #446, l485          ; landlock_restrict_self
	jeq #447, l485          ; memfd_secret
	jeq #448, l485          ; process_mrelease
	jeq #449, l485          ; futex_waitv
	jeq #451, l485          ; cachestat
	jeq #452, l485          ; fchmodat2
	jeq #453, l485          ; map_shadow_stack
	jeq #454, l485          ; futex_wake
	jeq #455, l485          ; futex_wait
	jeq #456, l485          ; futex_requeue
	jeq #0x40000000, l485   ; x32 read
	jeq #0x40000001, l485   ; x32 write
	jeq #0x40000002, l485   ; x32 open
	jeq #0x40000003, l485   ; x32 close
	jeq #0x40000004, l485   ; x32 stat
	jeq #0x40000005, l485   ; x32 fstat
	jeq #0x40000006, l485   ; x32 lstat
	jeq #0x40000007, l485   ; x32 poll
	jeq #0x40000008, l485   ; x32 lseek
	jeq #0x40000009, l485   ; x32 mmap
	jeq #0x4000000a, l485   ; x32 mprotect
	jeq #0x4000000b, l485   ; x32 munmap
	jeq #0x4000000c, l485   ; x32 brk
	jeq #0x4000000e, l485   ; x32 rt_sigprocmask
	jeq #0x40000011, l485   ; x32 pread64
	jeq #0x40000012, l485   ; x32 pwrite64
	jeq #0x40000015, l485   ; x32 access
	jeq #0x40000016, l485   ; x32 pipe
	jeq #0x40000017, l485   ; x32 select
	jeq #0x40000018, l485   ; x32 sched_yield
	jeq #0x40000019, l485   ; x32 mremap
	jeq #0x4000001a, l485   ; x32 msync
	jeq #0x4000001b, l485   ; x32 mincore
	jeq #0x4000001c, l485   ; x32 madvise
	jeq #0x4000001d, l485   ; x32 shmget
	jeq #0x4000001e, l485   ; x32 shmat
	jeq #0x4000001f, l485   ; x32 shmctl
	jeq #0x40000020, l485   ; x32 dup
	jeq #0x40000021, l485   ; x32 dup2
	jeq #0x40000022, l485   ; x32 pause
	jeq #0x40000023, l485   ; x32 nanosleep
	jeq #0x40000024, l485   ; x32 getitimer
	jeq #0x40000025, l485   ; x32 alarm
	jeq #0x40000026, l485   ; x32 setitimer
	jeq #0x40000027, l485   ; x32 getpid
	jeq #0x40000028, l485   ; x32 sendfile
	jeq #0x4000002a, l485   ; x32 connect
	jeq #0x4000002b, l485   ; x32 accept
	jeq #0x4000002c, l485   ; x32 sendto
	jeq #0x40000030, l485   ; x32 shutdown
	jeq #0x40000031, l485   ; x32 bind
	jeq #0x40000032, l485   ; x32 listen
	jeq #0x40000033, l485   ; x32 getsockname
	jeq #0x40000034, l485   ; x32 getpeername
	jeq #0x40000035, l485   ; x32 socketpair
	jeq #0x40000039, l485   ; x32 fork
	jeq #0x4000003a, l485   ; x32 vfork
	jeq #0x4000003c, l485   ; x32 exit
	jeq #0x4000003d, l485   ; x32 wait4
	jeq #0x4000003e, l485   ; x32 kill
	jeq #0x4000003f, l485   ; x32 uname
	jeq #0x40000040, l485   ; x32 semget
	jeq #0x40000041, l485   ; x32 semop
	jeq #0x40000042, l485   ; x32 semctl
	jeq #0x40000043, l485   ; x32 shmdt
	jeq #0x40000044, l485   ; x32 msgget
	jeq #0x40000045, l485   ; x32 msgsnd
	jeq #0x40000046, l485   ; x32 msgrcv
	jeq #0x40000047, l485   ; x32 msgctl
	jeq #0x40000048, l485   ; x32 fcntl
	jeq #0x40000049, l485   ; x32 flock
	jeq #0x4000004a, l485   ; x32 fsync
	jeq #0x4000004b, l485   ; x32 fdatasync
	jeq #0x4000004c, l485   ; x32 truncate
	jeq #0x4000004d, l485   ; x32 ftruncate
	jeq #0x4000004e, l485   ; x32 getdents
	jeq #0x4000004f, l485   ; x32 getcwd
	jeq #0x40000050, l485   ; x32 chdir
	jeq #0x40000051, l485   ; x32 fchdir
	jeq #0x40000052, l485   ; x32 rename
	jeq #0x40000053, l485   ; x32 mkdir
	jeq #0x40000054, l485   ; x32 rmdir
	jeq #0x40000055, l485   ; x32 creat
	jeq #0x40000056, l485   ; x32 link
	jeq #0x40000057, l485   ; x32 unlink
	jeq #0x40000058, l485   ; x32 symlink
	jeq #0x40000059, l485   ; x32 readlink
	jeq #0x4000005a, l485   ; x32 chmod
	jeq #0x4000005b, l485   ; x32 fchmod
	jeq #0x4000005c, l485   ; x32 chown
	jeq #0x4000005d, l485   ; x32 fchown
	jeq #0x4000005e, l485   ; x32 lchown
	jeq #0x4000005f, l485   ; x32 umask
	jeq #0x40000060, l485   ; x32 gettimeofday
	jeq #0x40000061, l485   ; x32 getrlimit
	jeq #0x40000062, l485   ; x32 getrusage
	jeq #0x40000063, l485   ; x32 sysinfo
	jeq #0x40000064, l485   ; x32 times
	jeq #0x40000066, l485   ; x32 getuid
	jeq #0x40000068, l485   ; x32 getgid
	jeq #0x40000069, l485   ; x32 setuid
	jeq #0x4000006a, l485   ; x32 setgid
	jeq #0x4000006b, l485   ; x32 geteuid
	jeq #0x4000006c, l485   ; x32 getegid
	jeq #0x4000006d, l485   ; x32 setpgid
	jeq #0x4000006e, l485   ; x32 getppid
	jeq #0x4000006f, l485   ; x32 getpgrp
	jeq #0x40000070, l485   ; x32 setsid
	jeq #0x40000071, l485   ; x32 setreuid
	jeq #0x40000072, l485   ; x32 setregid
	jeq #0x40000073, l485   ; x32 getgroups
	jeq #0x40000074, l485   ; x32 setgroups
	jeq #0x40000075, l485   ; x32 setresuid
	jeq #0x40000076, l485   ; x32 getresuid
	jeq #0x40000077, l485   ; x32 setresgid
	jeq #0x40000078, l485   ; x32 getresgid
	jeq #0x40000079, l485   ; x32 getpgid
	jeq #0x4000007a, l485   ; x32 setfsuid
	jeq #0x4000007b, l485   ; x32 setfsgid
	jeq #0x4000007c, l485   ; x32 getsid
	jeq #0x4000007d, l485   ; x32 capget
	jeq #0x4000007e, l485   ; x32 capset
	jeq #0x40000082, l485   ; x32 rt_sigsuspend
	jeq #0x40000084, l485   ; x32 utime
	jeq #0x40000085, l485   ; x32 mknod
	jeq #0x40000089, l485   ; x32 statfs
	jeq #0x4000008a, l485   ; x32 fstatfs
	jeq #0x4000008c, l485   ; x32 getpriority
	jeq #0x4000008d, l485   ; x32 setpriority
	jeq #0x4000008e, l485   ; x32 sched_setparam
	jeq #0x4000008f, l485   ; x32 sched_getparam
	jeq #0x40000090, l485   ; x32 sched_setscheduler
	jeq #0x40000091, l485   ; x32 sched_getscheduler
	jeq #0x40000092, l485   ; x32 sched_get_priority_max
	jeq #0x40000093, l485   ; x32 sched_get_priority_min
	jeq #0x40000094, l485   ; x32 sched_rr_get_interval
	jeq #0x40000095, l485   ; x32 mlock
	jeq #0x40000096, l485   ; x32 munlock
	jeq #0x40000097, l485   ; x32 mlockall
	jeq #0x40000098, l485   ; x32 munlockall
	jeq #0x4000009a, l485   ; x32 modify_ldt
	jeq #0x4000009d, l485   ; x32 prctl
	jeq #0x4000009e, l485   ; x32 arch_prctl
	jeq #0x4000009f, l485   ; x32 adjtimex
	jeq #0x400000a0, l485   ; x32 setrlimit
	jeq #0x400000a1, l485   ; x32 chroot
	jeq #0x400000a2, l485   ; x32 sync
	jeq #0x400000ba, l485   ; x32 gettid
	jeq #0x400000bb, l485   ; x32 readahead
	jeq #0x400000bc, l485   ; x32 setxattr
	jeq #0x400000bd, l485   ; x32 lsetxattr
	jeq #0x400000be, l485   ; x32 fsetxattr
	jeq #0x400000bf, l485   ; x32 getxattr
	jeq #0x400000c0, l485   ; x32 lgetxattr
	jeq #0x400000c1, l485   ; x32 fgetxattr
	jeq #0x400000c2, l485   ; x32 listxattr
	jeq #0x400000c3, l485   ; x32 llistxattr
	jeq #0x400000c4, l485   ; x32 flistxattr
	jeq #0x400000c5, l485   ; x32 removexattr
	jeq #0x400000c6, l485   ; x32 lremovexattr
	jeq #0x400000c7, l485   ; x32 fremovexattr
	jeq #0x400000c8, l485   ; x32 tkill
	jeq #0x400000c9, l485   ; x32 time
	jeq #0x400000ca, l485   ; x32 futex
	jeq #0x400000cb, l485   ; x32 sched_setaffinity
	jeq #0x400000cc, l485   ; x32 sched_getaffinity
	jeq #0x400000cf, l485   ; x32 io_destroy
	jeq #0x400000d0, l485   ; x32 io_getevents
	jeq #0x400000d2, l485   ; x32 io_cancel
	jeq #0x400000d5, l485   ; x32 epoll_create
	jeq #0x400000d8, l485   ; x32 remap_file_pages
	jeq #0x400000d9, l485   ; x32 getdents64
	jeq #0x400000da, l485   ; x32 set_tid_address
	jeq #0x400000db, l485   ; x32 restart_syscall
	jeq #0x400000dc, l485   ; x32 semtimedop
	jeq #0x400000dd, l485   ; x32 fadvise64
	jeq #0x400000df, l485   ; x32 timer_settime
	jeq #0x400000e0, l485   ; x32 timer_gettime
	jeq #0x400000e1, l485   ; x32 timer_getoverrun
	jeq #0x400000e2, l485   ; x32 timer_delete
	jeq #0x400000e4, l485   ; x32 clock_gettime
	jeq #0x400000e5, l485   ; x32 clock_getres
	jeq #0x400000e6, l485   ; x32 clock_nanosleep
	jeq #0x400000e7, l485   ; x32 exit_group
	jeq #0x400000e8, l485   ; x32 epoll_wait
	jeq #0x400000e9, l485   ; x32 epoll_ctl
	jeq #0x400000ea, l485   ; x32 tgkill
	jeq #0x400000eb, l485   ; x32 utimes
	jeq #0x400000f0, l485   ; x32 mq_open
	jne #0x400000f1, l486   ; x32 mq_unlink
l485:	ret #0x7fff0000         ; ALLOW
l486:	jeq #0x400000f2, l742   ; x32 mq_timedsend
	jeq #0x400000f3, l742   ; x32 mq_timedreceive
	jeq #0x400000f5, l742   ; x32 mq_getsetattr
	jeq #0x400000fb, l742   ; x32 ioprio_set
	jeq #0x400000fc, l742   ; x32 ioprio_get
	jeq #0x400000fd, l742   ; x32 inotify_init
	jeq #0x400000fe, l742   ; x32 inotify_add_watch
	jeq #0x400000ff, l742   ; x32 inotify_rm_watch
	jeq #0x40000101, l742   ; x32 openat
	jeq #0x40000102, l742   ; x32 mkdirat
	jeq #0x40000103, l742   ; x32 mknodat
	jeq #0x40000104, l742   ; x32 fchownat
	jeq #0x40000105, l742   ; x32 futimesat
	jeq #0x40000106, l742   ; x32 newfstatat
	jeq #0x40000107, l742   ; x32 unlinkat
	jeq #0x40000108, l742   ; x32 renameat
	jeq #0x40000109, l742   ; x32 linkat
	jeq #0x4000010a, l742   ; x32 symlinkat
	jeq #0x4000010b, l742   ; x32 readlinkat
	jeq #0x4000010c, l742   ; x32 fchmodat
	jeq #0x4000010d, l742   ; x32 faccessat
	jeq #0x4000010e, l742   ; x32 pselect6
	jeq #0x4000010f, l742   ; x32 ppoll
	jeq #0x40000113, l742   ; x32 splice
	jeq #0x40000114, l742   ; x32 tee
	jeq #0x40000115, l742   ; x32 sync_file_range
	jeq #0x40000118, l742   ; x32 utimensat
	jeq #0x40000119, l742   ; x32 epoll_pwait
	jeq #0x4000011a, l742   ; x32 signalfd
	jeq #0x4000011b, l742   ; x32 timerfd_create
	jeq #0x4000011c, l742   ; x32 eventfd
	jeq #0x4000011d, l742   ; x32 fallocate
	jeq #0x4000011e, l742   ; x32 timerfd_settime
	jeq #0x4000011f, l742   ; x32 timerfd_gettime
	jeq #0x40000120, l742   ; x32 accept4
	jeq #0x40000121, l742   ; x32 signalfd4
	jeq #0x40000122, l742   ; x32 eventfd2
	jeq #0x40000123, l742   ; x32 epoll_create1
	jeq #0x40000124, l742   ; x32 dup3
	jeq #0x40000125, l742   ; x32 pipe2
	jeq #0x40000126, l742   ; x32 inotify_init1
	jeq #0x4000012d, l742   ; x32 fanotify_mark
	jeq #0x4000012e, l742   ; x32 prlimit64
	jeq #0x4000012f, l742   ; x32 name_to_handle_at
	jeq #0x40000131, l742   ; x32 clock_adjtime
	jeq #0x40000132, l742   ; x32 syncfs
	jeq #0x40000135, l742   ; x32 getcpu
	jeq #0x4000013a, l742   ; x32 sched_setattr
	jeq #0x4000013b, l742   ; x32 sched_getattr
	jeq #0x4000013c, l742   ; x32 renameat2
	jeq #0x4000013d, l742   ; x32 seccomp
	jeq #0x4000013e, l742   ; x32 getrandom
	jeq #0x4000013f, l742   ; x32 memfd_create
	jeq #0x40000144, l742   ; x32 membarrier
	jeq #0x40000145, l742   ; x32 mlock2
	jeq #0x40000146, l742   ; x32 copy_file_range
	jeq #0x40000149, l742   ; x32 pkey_mprotect
	jeq #0x4000014a, l742   ; x32 pkey_alloc
	jeq #0x4000014b, l742   ; x32 pkey_free
	jeq #0x4000014c, l742   ; x32 statx
	jeq #0x4000014d, l742   ; x32 io_pgetevents
	jeq #0x4000014e, l742   ; x32 rseq
	jeq #0x400001a8, l742   ; x32 pidfd_send_signal
	jeq #0x400001b2, l742   ; x32 pidfd_open
	jne #0x400001b3, l552   ; x32 clone3
	ret #0x50026            ; ERRNO(38) ENOSYS
l552:	jeq #0x400001b4, l742   ; x32 close_range
	jeq #0x400001b5, l742   ; x32 openat2
	jeq #0x400001b7, l742   ; x32 faccessat2
	jeq #0x400001b9, l742   ; x32 epoll_pwait2
	jeq #0x400001bc, l742   ; x32 landlock_create_ruleset
	jeq #0x400001bd, l742   ; x32 landlock_add_rule
	jeq #0x400001be, l742   ; x32 landlock_restrict_self
	jeq #0x400001bf, l742   ; x32 memfd_secret
	jeq #0x400001c0, l742   ; x32 process_mrelease
	jeq #0x400001c1, l742   ; x32 futex_waitv
	jeq #0x400001c3, l742   ; x32 cachestat
	jeq #0x400001c4, l742   ; x32 fchmodat2
	jeq #0x400001c6, l742   ; x32 futex_wake
	jeq #0x400001c7, l742   ; x32 futex_wait
	jeq #0x400001c8, l742   ; x32 futex_requeue
	jeq #0x40000200, l742   ; x32 rt_sigaction
	jeq #0x40000201, l742   ; x32 rt_sigreturn
	jeq #0x40000202, l742   ; x32 ioctl
	jeq #0x40000203, l742   ; x32 readv
	jeq #0x40000204, l742   ; x32 writev
	jeq #0x40000205, l742   ; x32 recvfrom
	jeq #0x40000206, l742   ; x32 sendmsg
	jeq #0x40000207, l742   ; x32 recvmsg
	jeq #0x40000208, l742   ; x32 execve
	jeq #0x40000209, l742   ; x32 ptrace
	jeq #0x4000020a, l742   ; x32 rt_sigpending
	jeq #0x4000020b, l742   ; x32 rt_sigtimedwait
	jeq #0x4000020c, l742   ; x32 rt_sigqueueinfo
	jeq #0x4000020d, l742   ; x32 sigaltstack
	jeq #0x4000020e, l742   ; x32 timer_create
	jeq #0x4000020f, l742   ; x32 mq_notify
	jeq #0x40000211, l742   ; x32 waitid
	jeq #0x40000212, l742   ; x32 set_robust_list
	jeq #0x40000213, l742   ; x32 get_robust_list
	jeq #0x40000214, l742   ; x32 vmsplice
	jeq #0x40000216, l742   ; x32 preadv
	jeq #0x40000217, l742   ; x32 pwritev
	jeq #0x40000218, l742   ; x32 rt_tgsigqueueinfo
	jeq #0x40000219, l742   ; x32 recvmmsg
	jeq #0x4000021a, l742   ; x32 sendmmsg
	jeq #0x4000021b, l742   ; x32 process_vm_readv
	jeq #0x4000021c, l742   ; x32 process_vm_writev
	jeq #0x4000021d, l742   ; x32 setsockopt
	jeq #0x4000021e, l742   ; x32 getsockopt
	jeq #0x4000021f, l742   ; x32 io_setup
	jeq #0x40000220, l742   ; x32 io_submit
	jeq #0x40000221, l742   ; x32 execveat
	jeq #0x40000222, l742   ; x32 preadv2
	jeq #0x40000223, l742   ; x32 pwritev2
	jeq #0x40000038, l606   ; x32 clone
	jne #56, l607           ; clone
	ld [20]                 ; args[0] hi
	and #0
	jne #0, l624
l606:	ja l983
l607:	jne #0x40000029, l609   ; x32 socket
	ja l987
l609:	jeq #0x40000087, l625   ; x32 personality
	jne #41, l621           ; socket
	ld [20]                 ; args[0] hi
	jne #0, l615
	ld [16]                 ; args[0] lo
	jeq #39, l742
l615:	ld [20]                 ; args[0] hi
	jgt #0, l742
	jne #0, l742
	ld [16]                 ; args[0] lo
	jlt #38, l742
	ja l990
l621:	jne #135, l624          ; personality
	ld [20]                 ; args[0] hi
	jeq #0, l625
l624:	ret #0x50001            ; ERRNO(1) EPERM
l625:	ja l992
l626:	jeq #0x40000003, l628   ; AUDIT_ARCH_I386
	ret #0                  ; KILL_THREAD
l628:	ld [0]                  ; nr
	jeq #0, l742            ; restart_syscall
	jeq #1, l742            ; exit
	jeq #2, l742            ; fork
	jeq #3, l742            ; read
	jeq #4, l742            ; write
	jeq #5, l742            ; open
	jeq #6, l742            ; close
	jeq #7, l742            ; waitpid
	jeq #8, l742            ; creat
	jeq #9, l742            ; link
	jeq #10, l742           ; unlink
	jeq #11, l742           ; execve
	jeq #12, l742           ; chdir
	jeq #13, l742           ; time
	jeq #14, l742           ; mknod
	jeq #15, l742           ; chmod
	jeq #16, l742           ; lchown
	jeq #19, l742           ; lseek
	jeq #20, l742           ; getpid
	jeq #23, l742           ; setuid
	jeq #24, l742           ; getuid
	jeq #26, l742           ; ptrace
	jeq #27, l742           ; alarm
	jeq #29, l742           ; pause
	jeq #30, l742           ; utime
	jeq #33, l742           ; access
	jeq #36, l742           ; sync
	jeq #37, l742           ; kill
	jeq #38, l742           ; rename
	jeq #39, l742           ; mkdir
	jeq #40, l742           ; rmdir
	jeq #41, l742           ; dup
	jeq #42, l742           ; pipe
	jeq #43, l742           ; times
	jeq #45, l742           ; brk
	jeq #46, l742           ; setgid
	jeq #47, l742           ; getgid
	jeq #49, l742           ; geteuid
	jeq #50, l742           ; getegid
	jeq #54, l742           ; ioctl
	jeq #55, l742           ; fcntl
	jeq #57, l742           ; setpgid
	jeq #60, l742           ; umask
	jeq #61, l742           ; chroot
	jeq #63, l742           ; dup2
	jeq #64, l742           ; getppid
	jeq #65, l742           ; getpgrp
	jeq #66, l742           ; setsid
	jeq #70, l742           ; setreuid
	jeq #71, l742           ; setregid
	jeq #75, l742           ; setrlimit
	jeq #76, l742           ; getrlimit
	jeq #77, l742           ; getrusage
	jeq #78, l742           ; gettimeofday
	jeq #80, l742           ; getgroups
	jeq #81, l742           ; setgroups
	jeq #82, l742           ; select
	jeq #83, l742           ; symlink
	jeq #85, l742           ; readlink
	jeq #90, l742           ; mmap
	jeq #91, l742           ; munmap
	jeq #92, l742           ; truncate
	jeq #93, l742           ; ftruncate
	jeq #94, l742           ; fchmod
	jeq #95, l742           ; fchown
	jeq #96, l742           ; getpriority
	jeq #97, l742           ; setpriority
	jeq #99, l742           ; statfs
	jeq #100, l742          ; fstatfs
	jeq #102, l742          ; socketcall
	jeq #104, l742          ; setitimer
	jeq #105, l742          ; getitimer
	jeq #106, l742          ; stat
	jeq #107, l742          ; lstat
	jeq #108, l742          ; fstat
	jeq #114, l742          ; wait4
	jeq #116, l742          ; sysinfo
	jeq #117, l742          ; ipc
	jeq #118, l742          ; fsync
	jeq #119, l742          ; sigreturn
	jeq #122, l742          ; uname
	jeq #123, l742          ; modify_ldt
	jeq #124, l742          ; adjtimex
	jeq #125, l742          ; mprotect
	jeq #126, l742          ; sigprocmask
	jeq #132, l742          ; getpgid
	jeq #133, l742          ; fchdir
	jeq #138, l742          ; setfsuid
	jeq #139, l742          ; setfsgid
	jeq #140, l742          ; _llseek
	jeq #141, l742          ; getdents
	jeq #142, l742          ; _newselect
	jeq #143, l742          ; flock
	jeq #144, l742          ; msync
	jeq #145, l742          ; readv
	jeq #146, l742          ; writev
	jeq #147, l742          ; getsid
	jeq #148, l742          ; fdatasync
	jeq #150, l742          ; mlock
	jeq #151, l742          ; munlock
	jeq #152, l742          ; mlockall
	jeq #153, l742          ; munlockall
	jeq #154, l742          ; sched_setparam
	jeq #155, l742          ; sched_getparam
	jeq #156, l742          ; sched_setscheduler
	jeq #157, l742          ; sched_getscheduler
	jeq #158, l742          ; sched_yield
	jeq #159, l742          ; sched_get_priority_max
	jeq #160, l742          ; sched_get_priority_min
	jeq #161, l742          ; sched_rr_get_interval
	jeq #162, l742          ; nanosleep
	jeq #163, l742          ; mremap
	jne #164, l743          ; setresuid
l742:	ret #0x7fff0000         ; ALLOW
l743:	jeq #165, l999          ; getresuid
	jeq #168, l999          ; poll
	jeq #170, l999          ; setresgid
	jeq #171, l999          ; getresgid
	jeq #172, l999          ; prctl
	jeq #173, l999          ; rt_sigreturn
	jeq #174, l999          ; rt_sigaction
	jeq #175, l999          ; rt_sigprocmask
	jeq #176, l999          ; rt_sigpending
	jeq #177, l999          ; rt_sigtimedwait
	jeq #178, l999          ; rt_sigqueueinfo
	jeq #179, l999          ; rt_sigsuspend
	jeq #180, l999          ; pread64
	jeq #181, l999          ; pwrite64
	jeq #182, l999          ; chown
	jeq #183, l999          ; getcwd
	jeq #184, l999          ; capget
	jeq #185, l999          ; capset
	jeq #186, l999          ; sigaltstack
	jeq #187, l999          ; sendfile
	jeq #190, l999          ; vfork
	jeq #191, l999          ; ugetrlimit
	jeq #192, l999          ; mmap2
	jeq #193, l999          ; truncate64
	jeq #194, l999          ; ftruncate64
	jeq #195, l999          ; stat64
	jeq #196, l999          ; lstat64
	jeq #197, l999          ; fstat64
	jeq #198, l999          ; lchown32
	jeq #199, l999          ; getuid32
	jeq #200, l999          ; getgid32
	jeq #201, l999          ; geteuid32
	jeq #202, l999          ; getegid32
	jeq #203, l999          ; setreuid32
	jeq #204, l999          ; setregid32
	jeq #205, l999          ; getgroups32
	jeq #206, l999          ; setgroups32
	jeq #207, l999          ; fchown32
	jeq #208, l999          ; setresuid32
	jeq #209, l999          ; getresuid32
	jeq #210, l999          ; setresgid32
	jeq #211, l999          ; getresgid32
	jeq #212, l999          ; chown32
	jeq #213, l999          ; setuid32
	jeq #214, l999          ; setgid32
	jeq #215, l999          ; setfsuid32
	jeq #216, l999          ; setfsgid32
	jeq #218, l999          ; mincore
	jeq #219, l999          ; madvise
	jeq #220, l999          ; getdents64
	jeq #221, l999          ; fcntl64
	jeq #224, l999          ; gettid
	jeq #225, l999          ; readahead
	jeq #226, l999          ; setxattr
	jeq #227, l999          ; lsetxattr
	jeq #228, l999          ; fsetxattr
	jeq #229, l999          ; getxattr
	jeq #230, l999          ; lgetxattr
	jeq #231, l999          ; fgetxattr
	jeq #232, l999          ; listxattr
	jeq #233, l999          ; llistxattr
	jeq #234, l999          ; flistxattr
	jeq #235, l999          ; removexattr
	jeq #236, l999          ; lremovexattr
	jeq #237, l999          ; fremovexattr
	jeq #238, l999          ; tkill
	jeq #239, l999          ; sendfile64
	jeq #240, l999          ; futex
	jeq #241, l999          ; sched_setaffinity
	jeq #242, l999          ; sched_getaffinity
	jeq #243, l999          ; set_thread_area
	jeq #244, l999          ; get_thread_area
	jeq #245, l999          ; io_setup
	jeq #246, l999          ; io_destroy
	jeq #247, l999          ; io_getevents
	jeq #248, l999          ; io_submit
	jeq #249, l999          ; io_cancel
	jeq #250, l999          ; fadvise64
	jeq #252, l999          ; exit_group
	jeq #254, l999          ; epoll_create
	jeq #255, l999          ; epoll_ctl
	jeq #256, l999          ; epoll_wait
	jeq #257, l999          ; remap_file_pages
	jeq #258, l999          ; set_tid_address
	jeq #259, l999          ; timer_create
	jeq #260, l999          ; timer_settime
	jeq #261, l999          ; timer_gettime
	jeq #262, l999          ; timer_getoverrun
	jeq #263, l999          ; timer_delete
	jeq #265, l999          ; clock_gettime
	jeq #266, l999          ; clock_getres
	jeq #267, l999          ; clock_nanosleep
	jeq #268, l999          ; statfs64
	jeq #269, l999          ; fstatfs64
	jeq #270, l999          ; tgkill
	jeq #271, l999          ; utimes
	jeq #272, l999          ; fadvise64_64
	jeq #277, l999          ; mq_open
	jeq #278, l999          ; mq_unlink
	jeq #279, l999          ; mq_timedsend
	jeq #280, l999          ; mq_timedreceive
	jeq #281, l999          ; mq_notify
	jeq #282, l999          ; mq_getsetattr
	jeq #284, l999          ; waitid
	jeq #289, l999          ; ioprio_set
	jeq #290, l999          ; ioprio_get
	jeq #291, l999          ; inotify_init
	jeq #292, l999          ; inotify_add_watch
	jeq #293, l999          ; inotify_rm_watch
	jeq #295, l999          ; openat
	jeq #296, l999          ; mkdirat
	jeq #297, l999          ; mknodat
	jeq #298, l999          ; fchownat
	jeq #299, l999          ; futimesat
	jeq #300, l999          ; fstatat64
	jeq #301, l999          ; unlinkat
	jeq #302, l999          ; renameat
	jeq #303, l999          ; linkat
	jeq #304, l999          ; symlinkat
	jeq #305, l999          ; readlinkat
	jeq #306, l999          ; fchmodat
	jeq #307, l999          ; faccessat
	jeq #308, l999          ; pselect6
	jeq #309, l999          ; ppoll
	jeq #311, l999          ; set_robust_list
	jeq #312, l999          ; get_robust_list
	jeq #313, l999          ; splice
	jeq #314, l999          ; sync_file_range
	jeq #315, l999          ; tee
	jeq #316, l999          ; vmsplice
	jeq #318, l999          ; getcpu
	jeq #319, l999          ; epoll_pwait
	jeq #320, l999          ; utimensat
	jeq #321, l999          ; signalfd
	jeq #322, l999          ; timerfd_create
	jeq #323, l999          ; eventfd
	jeq #324, l999          ; fallocate
	jeq #325, l999          ; timerfd_settime
	jeq #326, l999          ; timerfd_gettime
	jeq #327, l999          ; signalfd4
	jeq #328, l999          ; eventfd2
	jeq #329, l999          ; epoll_create1
	jeq #330, l999          ; dup3
	jeq #331, l999          ; pipe2
	jeq #332, l999          ; inotify_init1
	jeq #333, l999          ; preadv
	jeq #334, l999          ; pwritev
	jeq #335, l999          ; rt_tgsigqueueinfo
	jeq #337, l999          ; recvmmsg
	jeq #339, l999          ; fanotify_mark
	jeq #340, l999          ; prlimit64
	jeq #341, l999          ; name_to_handle_at
	jeq #343, l999          ; clock_adjtime
	jeq #344, l999          ; syncfs
	jeq #345, l999          ; sendmmsg
	jeq #347, l999          ; process_vm_readv
	jeq #348, l999          ; process_vm_writev
	jeq #351, l999          ; sched_setattr
	jeq #352, l999          ; sched_getattr
	jeq #353, l999          ; renameat2
	jeq #354, l999          ; seccomp
	jeq #355, l999          ; getrandom
	jeq #356, l999          ; memfd_create
	jeq #358, l999          ; execveat
	jeq #360, l999          ; socketpair
	jeq #361, l999          ; bind
	jeq #362, l999          ; connect
	jeq #363, l999          ; listen
	jeq #364, l999          ; accept4
	jeq #365, l999          ; getsockopt
	jeq #366, l999          ; setsockopt
	jeq #367, l999          ; getsockname
	jeq #368, l999          ; getpeername
	jeq #369, l999          ; sendto
	jeq #370, l999          ; sendmsg
	jeq #371, l999          ; recvfrom
	jeq #372, l999          ; recvmsg
	jeq #373, l999          ; shutdown
	jeq #375, l999          ; membarrier
	jeq #376, l999          ; mlock2
	jeq #377, l999          ; copy_file_range
	jeq #378, l999          ; preadv2
	jeq #379, l999          ; pwritev2
	jeq #380, l999          ; pkey_mprotect
	jeq #381, l999          ; pkey_alloc
	jeq #382, l999          ; pkey_free
	jeq #383, l999          ; statx
	jeq #384, l999          ; arch_prctl
	jeq #385, l999          ; io_pgetevents
	jeq #386, l999          ; rseq
	jeq #393, l999          ; semget
	jeq #394, l999          ; semctl
	jeq #395, l999          ; shmget
	jeq #396, l999          ; shmctl
	jeq #397, l999          ; shmat
	jeq #398, l999          ; shmdt
	jeq #399, l999          ; msgget
	jeq #400, l999          ; msgsnd
	jeq #401, l999          ; msgrcv
	jeq #402, l999          ; msgctl
	jeq #403, l999          ; clock_gettime64
	jeq #405, l999          ; clock_adjtime64
	jeq #406, l999          ; clock_getres_time64
	jeq #407, l999          ; clock_nanosleep_time64
	jeq #408, l999          ; timer_gettime64
	jeq #409, l999          ; timer_settime64
	jeq #410, l999          ; timerfd_gettime64
	jeq #411, l999          ; timerfd_settime64
	jeq #412, l999          ; utimensat_time64
	jeq #413, l999          ; pselect6_time64
	jeq #414, l999          ; ppoll_time64
	jeq #416, l999          ; io_pgetevents_time64
	jeq #417, l999          ; recvmmsg_time64
	jeq #418, l999          ; mq_timedsend_time64
	jeq #419, l999          ; mq_timedreceive_time64
	jeq #420, l999          ; semtimedop_time64
	jeq #421, l999          ; rt_sigtimedwait_time64
	jeq #422, l999          ; futex_time64
	jeq #423, l999          ; sched_rr_get_interval_time64
	jeq #424, l999          ; pidfd_send_signal
	jeq #434, l999          ; pidfd_open
	jne #435, l966          ; clone3
	ret #0x50026            ; ERRNO(38) ENOSYS
l966:	jeq #436, l999          ; close_range
	jeq #437, l999          ; openat2
	jeq #439, l999          ; faccessat2
	jeq #441, l999          ; epoll_pwait2
	jeq #444, l999          ; landlock_create_ruleset
	jeq #445, l999          ; landlock_add_rule
	jeq #446, l999          ; landlock_restrict_self
	jeq #447, l999          ; memfd_secret
	jeq #448, l999          ; process_mrelease
	jeq #449, l999          ; futex_waitv
	jeq #451, l999          ; cachestat
	jeq #452, l999          ; fchmodat2
	jeq #453, l999          ; map_shadow_stack
	jeq #454, l999          ; futex_wake
	jeq #455, l999          ; futex_wait
	jeq #456, l999          ; futex_requeue
	jne #120, l986          ; clone
l983:	ld [16]                 ; args[0] lo
	and #0x7e020000
	jeq #0, l999, l999      ; loosened: was l999, l998
l986:	jne #359, l991          ; socket
l987:	ld [16]                 ; args[0] lo
	jeq #39, l999
	jlt #38, l999
l990:	jgt #40, l999, l998
l991:	jne #136, l998          ; personality
l992:	ld [16]                 ; args[0] lo
	jeq #0xffffffff, l999
	jeq #0x20008, l999
	jeq #0x20000, l999
	jeq #8, l999
	jeq #0, l999
l998:	ret #0x50001            ; ERRNO(1) EPERM
l999:	ret #0x7fff0000         ; ALLOW
	ret #0                  ; KILL_THREAD
