//! Per-page costs of unbuffered (O_DIRECT) IO. The request's other costs (`requestCreate`, `driverSubmit`,
//! `deferredPerRequest`) are those of a one-page (4 KiB) request; each further 4 KiB page of the user buffer
//! adds `kernel.directIOPerPage` to the submitting syscall (Linux pins the page, adds it to the bio and maps
//! it into a descriptor) and `interrupts.deferredPerPage` to the deferred routine (bio_release_pages marks it
//! dirty and unpins it). A buffered request moves page-cache pages, which are never pinned: none of this.

import IOSimCore

extension World {
    /// The 4 KiB pages of an unbuffered request of `bytes` beyond the first; 0 for a buffered one.
    @inline(__always)
    static func furtherDirectPages(bytes: Int64, buffered: Bool) -> Int64 {
        buffered ? 0 : KernelConfig.furtherDirectPages(bytes: bytes)
    }

    /// `pages` times `perPage` ns, at most `SimDuration.longest`: a 1 PiB request at a large per-page cost ends
    /// the run with the model's "past the longest run" error instead of wrapping around.
    @inline(__always)
    static func pagesCost(_ pages: Int64, _ perPage: Int64) -> Int64 {
        let (product, overflow) = pages.multipliedReportingOverflow(by: perPage)
        let longest = SimDuration.longest.nanoseconds
        return overflow || product > longest ? longest : product
    }

    /// The kernel building request `r`'s block request (bio / IRP), wherever it is built (the issuing syscall,
    /// io_uring's SQE consumption, an io-wq worker): `requestCreate`, plus pinning and mapping the user buffer's
    /// further pages when it is unbuffered.
    @inline(__always)
    func requestBuildCost(_ r: Int32) -> Int64 {
        let ri = Int(r)
        let build = requestCreate + Self.pagesCost(
            Self.furtherDirectPages(bytes: requests[ri].sizeBytes, buffered: requests[ri].buffered), directIOPerPage)
        if requests[ri].buffered && requests[ri].direction == .read { return build + pageCacheMissCost(r) }
        return build
    }

    /// A buffered read's page-cache misses: `kernel.pageCacheMiss` per page the request touches (none for a hit;
    /// a request is read from the device whole, so its pages count whether or not some of them are cached).
    @inline(__always)
    func pageCacheMissCost(_ r: Int32) -> Int64 {
        if isCached(r) { return 0 }
        let ri = Int(r)
        let first = requests[ri].offsetBytes / 4096
        let last = (requests[ri].offsetBytes + requests[ri].sizeBytes - 1) / 4096
        return Self.pagesCost(last - first + 1, scenario.kernel.pageCacheMiss.nanoseconds)
    }

    /// Releasing the pinned pages of request `r` in its deferred routine (or by an IOPOLL poller completing it).
    @inline(__always)
    func directIOCompleteCost(_ r: Int32) -> Int64 {
        let ri = Int(r)
        return Self.pagesCost(
            Self.furtherDirectPages(bytes: requests[ri].sizeBytes, buffered: requests[ri].buffered), deferredPerPage)
    }
}
