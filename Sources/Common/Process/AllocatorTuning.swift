internal import CSystem

/// glibc's allocator as the long-running programs use it (and `hubsync-bench`, to measure what they do).
public enum AllocatorTuning {
    /// Large bodies come from mmap and go back to the system when freed, instead of raising
    /// glibc's dynamic threshold and staying in the heap at their peak size. Smaller blocks stay
    /// in the heaps: with glibc's default trim threshold (128 KiB), every request thread's
    /// arena gave its free top back with madvise after each delivery and took it again with
    /// page faults and TLB flushes on the next, about 15% of the worker's CPU (perf, realistic
    /// traffic); without trimming, deliveries/s rose 10-20%, worker RSS stayed about 20 MB.
    public static func applyForServers() {
        _ = csystem_set_mmap_threshold(256 * 1024)
        _ = csystem_set_trim_threshold(16 * 1024 * 1024)
    }
}
