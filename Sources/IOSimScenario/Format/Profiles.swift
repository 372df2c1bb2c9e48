//! Built-in device profiles. Each figure names its source; "(memory)" marks a figure recalled from a
//! datasheet that was not re-read for this file.

import IOSimCore
import IOSimModel

/// A named device.
public struct DeviceProfile: Sendable {
    public var name: String
    public var summary: String
    public var device: DeviceConfig

    /// Every built-in profile, in a fixed order.
    public static let all: [DeviceProfile] = [hdd7200, sataSSD, nvme, optane, virtioVM]

    /// The profile called `name`, if any.
    public static func named(_ name: String) -> DeviceProfile? { all.first { $0.name == name } }

    /// A 7,200 rpm SATA disk: Seagate BarraCuda 3.5" datasheet (memory): average seek 8.5 ms read,
    /// 7,200 rpm (4.17 ms average rotational latency), sustained transfer up to 210 MB/s, NCQ depth 32.
    public static let hdd7200: DeviceProfile = {
        var d = DeviceConfig()
        d.readLatency = .constant(100_000)  // controller and command overhead, 0.1 ms (memory)
        d.bandwidthBytesPerSecond = 190_000_000  // media rate, between the inner and outer zones (datasheet)
        d.queueDepth = 32  // SATA NCQ
        d.channels = 1  // one head assembly
        // sqrt model: an average seek over a third of the surface, 1 + (16 - 1) * sqrt(1/3) = 9.7 ms, near
        // the datasheet's 8.5 ms for random IO (which favours short seeks); track-to-track 1 ms (memory).
        d.hdd = HDDGeometry(rpm: 7_200, trackToTrackSeek: .milliseconds(1), fullStrokeSeek: .milliseconds(16))
        d.capacityBytes = 2_000_000_000_000
        return DeviceProfile(name: "hdd-7200", summary: "7,200 rpm SATA disk: seek + rotation + 190 MB/s", device: d)
    }()

    /// A SATA SSD: Samsung 870 EVO datasheet (memory): 4 KiB random read QD1 about 13,000 IOPS (77 us
    /// including the host stack), sequential read 560 MB/s (the SATA 3 ceiling), NCQ depth 32.
    public static let sataSSD: DeviceProfile = {
        var d = DeviceConfig()
        d.readLatency = .logNormal(mean: 65_000, sigma: 0.3)  // 77 us at QD1 minus ~12 us of host software
        d.writeLatency = .logNormal(mean: 30_000, sigma: 0.5)  // writes land in the DRAM/SLC cache (memory)
        d.bandwidthBytesPerSecond = 560_000_000
        d.queueDepth = 32
        d.channels = 8  // 8 NAND channels on the MKX controller (memory)
        return DeviceProfile(name: "sata-ssd", summary: "SATA SSD: ~65 us reads, 560 MB/s, NCQ 32", device: d)
    }()

    /// An NVMe TLC SSD: Samsung 980 PRO datasheet (memory): 4 KiB random read QD1 22,000 IOPS (45 us
    /// including the host stack), sequential read 7,000 MB/s, up to 64K queues of 64K entries.
    public static let nvme: DeviceProfile = {
        var d = DeviceConfig()
        d.readLatency = .logNormal(mean: 38_000, sigma: 0.25)  // 45 us at QD1 minus ~7 us of host software
        d.writeLatency = .logNormal(mean: 15_000, sigma: 0.5)
        d.bandwidthBytesPerSecond = 7_000_000_000
        d.queueDepth = 1_024  // Linux nvme default io_queue_depth (memory)
        d.channels = 8  // 8 NAND channels (memory)
        d.pollQueues = true  // as if booted with nvme.poll_queues > 0, so IOPOLL can be shown
        return DeviceProfile(name: "nvme", summary: "NVMe TLC SSD: ~38 us reads, 7 GB/s, deep queues", device: d)
    }()

    /// An Intel Optane SSD 900P: datasheet (memory): read latency < 10 us, 4 KiB random read 550,000 IOPS,
    /// sequential read 2,500 MB/s.
    public static let optane: DeviceProfile = {
        var d = DeviceConfig()
        d.readLatency = .normal(mean: 8_000, standardDeviation: 1_000)
        d.writeLatency = .normal(mean: 9_000, standardDeviation: 1_000)
        d.bandwidthBytesPerSecond = 2_500_000_000
        d.queueDepth = 1_024
        d.channels = 7  // 7 channels of 3D XPoint (memory); ~550k IOPS at 4 KiB with 8 us service + transfer
        d.pollQueues = true
        return DeviceProfile(name: "optane", summary: "Optane SSD: ~8 us reads, 2.5 GB/s", device: d)
    }()

    /// The virtio-blk disk of this machine class, from shared/reference/baseline.md (fio 3.33, Linux 6.18):
    /// 4k O_DIRECT QD1 mean 37-42 us end to end: slat 13 us (bio + virtio kick, in `kernel`), clat 26 us, of
    /// which the interrupt, softirq and wake-up take about 8 us; IOPS saturate at ~100k from QD16; service
    /// time "roughly 25 us + 0.5-1.5 ms/MiB"; nr_requests 256.
    public static let virtioVM: DeviceProfile = {
        var d = DeviceConfig()
        d.readLatency = .logNormal(mean: 16_000, sigma: 0.45)  // clat 26 us minus ~8 us of interrupt path and transfer
        d.bandwidthBytesPerSecond = 1_000_000_000  // 0.5-1.5 ms per MiB
        d.queueDepth = 256
        d.channels = 2  // 2 servers of ~20 us (16 us + 4 KiB transfer) give the ~100k IOPS ceiling
        d.completionBatching = .pass  // Firecracker's VMM serves the virtqueue in passes and notifies once per pass
        return DeviceProfile(name: "virtio-vm", summary: "virtio-blk on this VM: ~30 us, ~100k IOPS ceiling", device: d)
    }()
}
