"""Files and out/: what each profile writes, what a render changes, and writing it all or nothing."""
