import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of server processes, read from /proc (Linux), and this process's own CPU time.
enum ProcessStats {
    /// User + system CPU seconds of the processes.
    static func cpuSeconds(_ pids: [Int32]) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return pids.reduce(0) { total, pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return total }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command name: state is field 0, utime field 11, stime field 12.
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
                return total
            }
            return total + (user + system) / ticks
        }
    }

    /// User + system CPU seconds of this process so far, all threads, to the microsecond
    /// (`getrusage`; ``cpuSeconds(_:)`` counts in clock ticks, 10 ms here).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resident memory in bytes of the processes.
    static func residentBytes(_ pids: [Int32]) -> Int {
        pids.reduce(0) { total, pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
            else { return total }
            return total + kilobytes * 1024
        }
    }
}
