import CIOUring
import Glibc
import IOSimURing
import Testing

@Suite("Errno, the EINTR helper, aligned buffers, opcodes")
struct ErrnoAndHelpersTests {
    @Test func errnoHasReadableNamesAndCSpellingsInItsDescription() {
        #expect(Errno.notPermitted.rawValue == EPERM)
        #expect(Errno.notSupported.rawValue == EOPNOTSUPP)
        #expect(Errno.notPermitted.description == "EPERM (Operation not permitted)")
        #expect(Errno.noSpace.cName == "ENOSPC")
        #expect(Errno(rawValue: 4000).description.hasPrefix("errno 4000"))
    }

    @Test func theInterruptHelperRetriesEINTRAndReturnsOtherErrors() {
        var calls = 0
        let r: Result<Int, Errno> = retryingOnInterrupt {
            calls += 1
            return calls < 3 ? .failure(.interrupted) : .success(7)
        }
        #expect(calls == 3)
        #expect((try? r.get()) == 7)

        calls = 0
        let notRetried: Result<Int, Errno> = retryingOnInterrupt(false) {
            calls += 1
            return .failure(.interrupted)
        }
        #expect(calls == 1)
        #expect(throws: Errno.interrupted) { try notRetried.get() }

        calls = 0
        let negated = valueOrNegatedErrno {
            calls += 1
            return calls == 1 ? -EINTR : -EIO
        }
        #expect(calls == 2)
        #expect(throws: Errno.ioError) { try negated.get() }
    }

    @Test func alignedBuffersStartOnAPageBoundary() throws {
        let b = try AlignedBuffer(byteCount: 3 * 4096 + 17)
        #expect(Int(bitPattern: b.baseAddress) % AlignedBuffer.pageSize == 0)
        #expect(b.bytes.allSatisfy { $0 == 0 })
        #expect(b.slice(2, sliceBytes: 4096).baseAddress == b.baseAddress + 8192)
    }

    @Test func opcodeRawValuesMatchTheKernelHeader() {
        #expect(URing.Opcode.nop.rawValue == UInt8(IORING_OP_NOP.rawValue))
        #expect(URing.Opcode.read.rawValue == UInt8(IORING_OP_READ.rawValue))
        #expect(URing.Opcode.write.rawValue == UInt8(IORING_OP_WRITE.rawValue))
        #expect(URing.Opcode.readFixed.rawValue == UInt8(IORING_OP_READ_FIXED.rawValue))
        #expect(URing.Opcode.writeFixed.rawValue == UInt8(IORING_OP_WRITE_FIXED.rawValue))
        #expect(URing.SQEFlags.async.rawValue == 16, "IOSQE_ASYNC is bit 4 of the kernel ABI")
        #expect(URing.SQEFlags.fixedFile.rawValue == 1, "IOSQE_FIXED_FILE is bit 0")
    }

    @Test func completionsDecodeBytesAndEnvironmentalErrnosPerOpcode() {
        let ok = URing.Completion(userData: 1, result: 4096, flags: 0)
        #expect((try? ok.decoded(for: .read).get()) == 4096)
        #expect((try? ok.decoded(for: .writeFixed).get()) == 4096)
        #expect((try? URing.Completion(userData: 1, result: 0, flags: 0).decoded(for: .nop).get()) == 0)
        for e in [Errno.ioError, .notSupported, .invalidArgument, .noSpace, .resourceTemporarilyUnavailable] {
            let c = URing.Completion(userData: 9, result: -e.rawValue, flags: 0)
            for op in [URing.Opcode.read, .readFixed, .write, .writeFixed] {
                #expect(throws: e) { try c.decoded(for: op).get() }
            }
        }
    }

    @Test func anEFAULTCompletionIsAProgrammingErrorAndTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = URing.Completion(userData: 1, result: -EFAULT, flags: 0).decoded(for: .read)
        }
    }

    @Test func signalCleanupRegistrationsAreCounted() throws {
        let before = SignalCleanupRegistration.registeredCount
        let r = try SignalCleanupRegistration(path: "/tmp/iosim-never-created-\(getpid())", isDirectory: false)
        #expect(SignalCleanupRegistration.registeredCount == before + 1)
        r.forget()
        #expect(SignalCleanupRegistration.registeredCount == before)
    }
}
