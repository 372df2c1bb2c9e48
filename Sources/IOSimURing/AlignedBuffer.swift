//! Page-aligned memory for IO buffers.
//!
//! Why page alignment, even for buffered IO where the kernel does not require it: on this machine's CPU the
//! kernel's `copy_to_user` (rep movsb) runs about 5x slower when the destination sits 16 bytes past a page
//! boundary, which is where fio's default buffers land: 1.6-2.9 us per 4 KiB page instead of ~0.4 us
//! (shared/reference/baseline.md, "the copy-alignment cliff", measured with costs/pread_size.c). A warm
//! 1 MiB buffered read went from 1.8 GB/s to 10.4 GB/s just by aligning. O_DIRECT needs alignment to the
//! logical block size anyway, and a page covers every block size in use.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A heap allocation aligned to a page (or more), freed on deinit.
///
/// A class, so several IO slots and threads can share one allocation and it is freed exactly once.
/// - Warning: the bytes are not synchronized; the caller makes sure one IO at a time uses each region.
public final class AlignedBuffer: @unchecked Sendable {
    /// The start of the allocation; a multiple of `alignment`.
    public let baseAddress: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    /// The alignment in bytes.
    public let alignment: Int

    /// The system page size (`sysconf(_SC_PAGESIZE)`).
    public static let pageSize: Int = Int(sysconf(CInt(_SC_PAGESIZE)))

    /// Allocates `byteCount` bytes aligned to `alignment` (default: a page), zero-filled.
    ///
    /// The corresponding C function is `posix_memalign`.
    /// - Parameters:
    ///   - byteCount: size; must be positive.
    ///   - alignment: a power of two, at least the pointer size.
    /// - Throws: `Errno.noMemory`.
    public init(byteCount: Int, alignment: Int = AlignedBuffer.pageSize) throws(Errno) {
        precondition(byteCount > 0, "AlignedBuffer byteCount must be positive, got \(byteCount)")
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment \(alignment) is not a power of two")
        var pointer: UnsafeMutableRawPointer?
        let r = posix_memalign(&pointer, alignment, byteCount)
        guard r == 0, let pointer else { throw Errno(rawValue: r == 0 ? ENOMEM : r) }
        memset(pointer, 0, byteCount)
        self.baseAddress = pointer
        self.byteCount = byteCount
        self.alignment = alignment
    }

    deinit { free(baseAddress) }

    /// The whole allocation as a buffer pointer.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: baseAddress, count: byteCount) }

    /// The `index`-th slice of `sliceBytes` bytes (IO slot `index`).
    /// - Precondition: the slice lies inside the allocation.
    public func slice(_ index: Int, sliceBytes: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && (index + 1) * sliceBytes <= byteCount, "slice \(index) x \(sliceBytes) outside \(byteCount) bytes")
        return UnsafeMutableRawBufferPointer(start: baseAddress + index * sliceBytes, count: sliceBytes)
    }
}
