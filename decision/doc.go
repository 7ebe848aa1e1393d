// Package decision answers for a whole seccomp policy: its decision table.
// For every arch value and every syscall number, a table says what a
// filter, or a stack of filters combined with the kernel's precedence,
// returns: one exact 32-bit value, or a value for each set of conditions on
// the arguments and instruction_pointer, or, where such conditions cannot
// express the filter, the residual programs that decide it and the reason.
// Every input falls in exactly one row, and Table.Lookup answers any input
// from the table alone, as the vm answers it from the program.
//
// # How a table is built
//
// vm.Filter.Classes gives the classes of (arch, nr) values each filter's
// dispatch tells apart, each with a constant or a residual program with
// arch and nr folded in. The classes of a stack are the intersections of
// its filters' classes. Arch values are split further so that x86_64 and
// i386, what an x86_64 kernel runs, always have sections of their own, and
// at the __AUDIT_ARCH_LE bit, since the byte order decides which word of
// seccomp_data is the low half of an argument (other arch values whose rows
// read the same share a section whatever their order);
// numbers are split where the arch's syscall table begins and ends, where
// the x32 numbers begin, at the negative numbers, and where the kernel view
// changes (below). Equal neighbours are joined into rows.
//
// Within a class with a residual program, every path of the program is
// walked with the words of seccomp_data as unknowns. A value is a constant
// or a word masked by a constant ("ld [k]", "and #k"); a jump against a
// constant (jeq, jgt, jge, jset with K, or with X holding a constant) adds
// one comparison (word & mask) op k to the path, and a path whose
// comparisons no word can meet is dropped. That test is exact: per word, a
// set of ranges for the unmasked comparisons and a depth-first search over
// the bits, pruned by the ranges the fixed bits leave each comparison, for
// the masked ones. Arithmetic on constants is computed by the vm, the one
// definition of it. A path that returns or compares anything else (an
// argument plus one, a return value computed from an argument, two words
// compared) ends the attempt: the row keeps the residual programs and says
// which instruction it was. So do rows whose paths exceed the bounds on
// paths, instructions walked or search steps (per row and per table); the
// table counts them (Table.Residuals) and each says which bound it met.
//
// The paths that end in one return value make one Case. Their conditions
// are simplified without changing their meaning: comparisons the others
// imply are dropped; an argument whose two halves the path compared reads
// as one 64-bit value ("args[0] == 38", "args[0] & 0x7e020000 == 0"),
// one with a half compared reads as that half ("args[1] hi == 0");
// conjunctions that differ in one field's set of values are merged. The
// heaviest case to read becomes the row's "otherwise".
//
// # The kernel's view
//
// Each row also says how an x86_64 kernel of a given version treats the
// numbers: Cached when its action cache (seccomp_cache_prepare, from 5.11)
// answers ALLOW without running the filters, which needs
// seccomp_is_const_allow (vm.Filter.ConstAllow) to hold for every filter,
// on the native or compat arch, below the size of the syscall table of that
// release; Bypass for uretprobe (335, from 6.14) and uprobe (336, from 6.18)
// on x86_64, which run whatever the filters say.
//
// # Output
//
// WriteText writes a table for people; WriteJSON writes one JSON object
// (README, "Decision tables"), with SchemaVersion, that Read reads back
// into a table that answers every input the same way. Rows come in order
// of arch, then nr, and two tables of one policy are byte-identical.
//
// Every row carries a witness: an input of the row, in the form of
// bpfsim's --input lines, and the value the stack returns for it; the
// tests run every witness of the bundled filters through the vm and the
// live kernel.
package decision
