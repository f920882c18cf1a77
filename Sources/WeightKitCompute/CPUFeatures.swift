#if canImport(Glibc)
import Glibc
#endif

/// The vector features of this CPU that decide which kernels run, as `bench` reports them.
public enum CPUFeatures {
    /// The flags that matter here, in this order, as /proc/cpuinfo spells them.
    static let relevant = [
        "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_bf16",
        "amx_int8",
    ]

    /// The CPU's flags (Linux: /proc/cpuinfo; empty elsewhere).
    public static let flags: Set<String> = {
        #if os(Linux)
        guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0, let l = line {
            let s = String(cString: l)
            if s.hasPrefix("flags") {
                return Set(s.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map(String.init) ?? [])
            }
        }
        #endif
        return []
    }()

    /// "avx2 fma avx512f … avx512_bf16" (the relevant flags present), or "unknown".
    public static var summary: String {
        let present = relevant.filter(flags.contains)
        return present.isEmpty ? "unknown (no /proc/cpuinfo flags)" : present.joined(separator: " ")
    }
}
