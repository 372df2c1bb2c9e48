@testable import IOSimReal
import Glibc
import IOSimURing
import Synchronization
import Testing

@Suite("System counters: /proc parsing and the disk's IRQ lines")
struct CountersTests {
    static let interrupts = """
                   CPU0       CPU1
         28:          0          0 PCI-MSIX-0000:00:01.0   0-edge      virtio0-config
         35:          0          1 PCI-MSIX-0000:00:02.0   0-edge      virtio1-config
         36:         10      30854 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
         41:       2967          0 PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx
         42:          0       4606 PCI-MSIX-0000:00:04.0   2-edge      virtio3-tx
        NMI:          0          0   Non-maskable interrupts
        """

    @Test func anInterruptLineIsSplitIntoNumberTotalAndName() {
        let p = parseInterruptLine("  36:         10      30854 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0")
        #expect(p.number == "36" && p.total == 30864 && p.perCPU == [10, 30854] && p.name == "virtio1-req.0")
    }

    @Test func withoutADeviceTheFallbackTakesOnlyVirtioRequestQueuesAndSaysSo() {
        let lines = DiskIRQLines.find(major: 0, minor: 42, interrupts: Self.interrupts)
        #expect(lines.method == .nameFallback)
        #expect(lines.names == ["virtio1-req.0"], "not the network's rx/tx, not config vectors")
        #expect(lines.note.contains("other disks"))
        #expect(lines.count(in: Self.interrupts) == 30864)
        #expect(lines.countPerCPU(in: Self.interrupts) == [10, 30854])
    }

    @Test func theFileSystemUnderTmpResolvesToLinesThatExist() throws {
        let fd = try FileDescriptor.open("/tmp", .readOnly, options: .directory)
        defer { try? fd.close() }
        let st = try fd.status()
        let lines = DiskIRQLines.find(major: st.deviceMajor, minor: st.deviceMinor)
        let text = readSmallFile("/proc/interrupts") ?? ""
        for n in lines.numbers { #expect(text.contains(" \(n):") || text.hasPrefix("\(n):")) }
        #expect(!lines.names.contains { $0.hasSuffix("-config") })
        if lines.method == .deviceMSI { #expect(lines.note.contains("msi") || lines.note.contains("MSI")) }
    }

    @Test func procStatHasAllCPUsAndAdvancingCounters() {
        let a = ProcStat.read()
        #expect(a.perCPU.count == Int(sysconf(CInt(_SC_NPROCESSORS_ONLN))))
        #expect(a.contextSwitches > 0)
        #expect(a.total.userNanoseconds + a.total.idleNanoseconds > 0)
        let b = ProcStat.read()
        let d = b.total - a.total
        #expect(d.userNanoseconds >= 0 && d.idleNanoseconds >= 0 && d.stealNanoseconds >= 0)
    }

    @Test func censusAttributesIOHelpersOnlyToTheJobThreads() {
        // The census of a run with no job thread named in any helper sees none, whatever else runs.
        let census = ThreadCensus(intervalMicroseconds: 500, jobThreadIDs: ["999999999"])
        census.start()
        usleep(5_000)
        let r = census.finish()
        #expect(r.samples >= 1)
        #expect(r.ioWorkersDistinct == 0 && r.sqPollThreadsDistinct == 0)
        #expect(r.threadsMax >= 1)
    }

    @Test func theTaskDirectoryListsTheProcessThreadsEachTimeItIsRead() {
        let directory = TaskDirectory()
        var tids: [Int32] = []
        directory.list(into: &tids)
        let me = Int32(currentThreadID())!
        #expect(tids.contains(getpid()) && tids.contains(me))
        // Other tests start and stop threads meanwhile: every id is a thread the directory lists, and no id twice.
        let listed = Set((listDirectory("/proc/self/task") ?? []).compactMap { Int32($0) })
        #expect(listed.contains(getpid()) && listed.contains(me))
        #expect(Set(tids).count == tids.count && tids.allSatisfy { $0 > 0 })
        // Read again after a thread has started: the listing is the directory's now, not the first one's.
        let started = Atomic<Int32>(0)
        let stop = Atomic<Bool>(false)
        let other = JoinableThread(name: "iosim-test") {
            started.store(Int32(currentThreadID())!, ordering: .releasing)
            while !stop.load(ordering: .acquiring) { usleep(1_000) }
        }
        while started.load(ordering: .acquiring) == 0 { usleep(1_000) }
        directory.list(into: &tids)
        #expect(tids.contains(started.load(ordering: .acquiring)) && tids.contains(me))
        stop.store(true, ordering: .releasing)
        other.join()
        // The kernel drops a joined thread from the directory a moment after the join returns.
        var gone = false
        for _ in 0..<1_000 where !gone {
            directory.list(into: &tids)
            gone = !tids.contains(started.load(ordering: .acquiring))
            if !gone { usleep(1_000) }
        }
        #expect(gone && tids.contains(me))
    }
}
