//! The driver's doorbell (the virtio kick; on this VM a VM exit) for requests reaching the device.

extension World {
    /// What the driver pays to tell the device about new requests: `driverSubmit`, unless the device works in
    /// passes and one is open. Virtio's notification suppression (VIRTIO_RING_F_EVENT_IDX's avail_event,
    /// virtqueue_kick_prepare): the VMM thread asks to be notified only when it has gone idle; a request the
    /// driver adds while it serves a pass is found when it checks the ring again, with no kick and no VM exit.
    /// Decided when the submitter starts building the request; a pass that closes meanwhile is not seen.
    @inline(__always)
    func doorbellCost() -> Int64 {
        scenario.device.completionBatching == .pass && device.passOpen ? 0 : driverSubmit
    }
}
