import IOSimScenario
import Testing

/// The value of a successful parse, nil on failure.
private func value(_ result: Result<Int64, UnitError>) -> Int64? {
    if case .success(let v) = result { return v }
    return nil
}

/// The error of a failed parse, nil on success.
private func error(_ result: Result<Int64, UnitError>) -> UnitError? {
    if case .failure(let e) = result { return e }
    return nil
}

@Suite struct UnitsTests {
    // MARK: Durations

    @Test func durationsAccepted() {
        #expect(value(Units.parseDuration("250ns")) == 250)
        #expect(value(Units.parseDuration("80us")) == 80_000)
        #expect(value(Units.parseDuration("80\u{B5}s")) == 80_000) // micro sign
        #expect(value(Units.parseDuration("80\u{3BC}s")) == 80_000) // Greek mu
        #expect(value(Units.parseDuration("1.5ms")) == 1_500_000)
        #expect(value(Units.parseDuration("2s")) == 2_000_000_000)
        #expect(value(Units.parseDuration("0")) == 0)
        #expect(value(Units.parseDuration("0.0")) == 0)
        #expect(value(Units.parseDuration("0ns")) == 0)
        #expect(value(Units.parseDuration("80 us")) == 80_000)
        #expect(value(Units.parseDuration("  1.5 ms ")) == 1_500_000)
        #expect(value(Units.parseDuration(".5s")) == 500_000_000)
        #expect(value(Units.parseDuration("2.s")) == 2_000_000_000)
        #expect(value(Units.parseDuration("007us")) == 7_000)
        #expect(value(Units.parseDuration("0.000001ms")) == 1)
    }

    @Test func durationsRoundToNearestNanosecond() {
        #expect(value(Units.parseDuration("0.4ns")) == 0)
        #expect(value(Units.parseDuration("0.5ns")) == 1)
        #expect(value(Units.parseDuration("1.49ns")) == 1)
        #expect(value(Units.parseDuration("1.0000000001s")) == 1_000_000_000)
        #expect(value(Units.parseDuration("1.0000000005s")) == 1_000_000_001)
        #expect(value(Units.parseDuration("0.0000000015s")) == 2)
        #expect(value(Units.parseDuration("1.2345678us")) == 1_235)
        // Digits after the 18th fraction digit are ignored.
        #expect(value(Units.parseDuration("1.0000000000000000009s")) == 1_000_000_000)
    }

    @Test func durationLimits() {
        #expect(value(Units.parseDuration("9223372036.854775807s")) == Int64.max)
        #expect(value(Units.parseDuration("9223372036854775807ns")) == Int64.max)
        let tooLarge = ["9223372036.854775808s", "9223372037s", "9223372036854775808ns",
                        "99999999999999999999999s", "18446744073709551616ns"]
        for text in tooLarge {
            let e = error(Units.parseDuration(text))
            #expect(e?.message == "expected a duration such as \"80us\", found \"\(text)\"")
            #expect(e?.hint == "the longest duration is about 292 years (\"9223372036s\")")
        }
    }

    @Test func durationsRejected() {
        let unitsHint = "durations take a unit: ns, us, ms, s"
        #expect(error(Units.parseDuration("80")) == UnitError(message: "expected a duration such as \"80us\", found \"80\"", hint: unitsHint))
        #expect(error(Units.parseDuration("0.1")) == UnitError(message: "expected a duration such as \"80us\", found \"0.1\"", hint: unitsHint))
        #expect(error(Units.parseDuration("-5us")) == UnitError(message: "expected a duration such as \"80us\", found \"-5us\"",
                                                                 hint: "durations cannot be negative"))
        #expect(error(Units.parseDuration("NaN")) == UnitError(message: "expected a duration such as \"80us\", found \"NaN\"", hint: unitsHint))
        #expect(error(Units.parseDuration("")) == UnitError(message: "expected a duration such as \"80us\", found \"\"", hint: unitsHint))
        #expect(error(Units.parseDuration("us"))?.hint == unitsHint)
        #expect(error(Units.parseDuration(".")) != nil)
        #expect(error(Units.parseDuration("+5us")) != nil)
        #expect(error(Units.parseDuration("5min")) == UnitError(message: "expected a duration such as \"80us\", found \"5min\"",
                                                                 hint: "unknown unit \"min\"; " + unitsHint))
        #expect(error(Units.parseDuration("1e3ns"))?.hint == "unknown unit \"e3ns\"; " + unitsHint)
        #expect(error(Units.parseDuration("5 u s"))?.hint == "unknown unit \"u s\"; " + unitsHint)
        #expect(error(Units.parseDuration("5US")) != nil)
        #expect(error(Units.parseDuration("1.2.3s")) != nil)
        #expect(error(Units.parseDuration("Infinity")) != nil)
    }

    // MARK: Sizes

    @Test func sizesAccepted() {
        let cases: [(String, Int64)] = [
            ("512", 512), ("512B", 512), ("4KiB", 4096), ("1MiB", 1 << 20), ("1GiB", 1 << 30), ("1TiB", 1 << 40),
            ("4k", 4096), ("4K", 4096), ("1m", 1 << 20), ("1M", 1 << 20), ("1g", 1 << 30), ("1G", 1 << 30),
            ("1t", 1 << 40), ("1T", 1 << 40),
            ("1KB", 1_000), ("1kB", 1_000), ("1MB", 1_000_000), ("1GB", 1_000_000_000), ("1TB", 1_000_000_000_000),
            ("1.5KiB", 1536), ("0.5k", 512), ("1.125KiB", 1152), ("2.5MB", 2_500_000), ("4 KiB", 4096),
            (" 64 k ", 65536), ("0", 0), ("0B", 0), ("1.0", 1), ("8388607TiB", 8_388_607 << 40),
        ]
        for (text, expected) in cases {
            #expect(value(Units.parseSize(text)) == expected, "\(text)")
        }
    }

    @Test func sizesRejected() {
        let unitsHint = "sizes take a unit: B, KiB, MiB, GiB, TiB (or k, m, g, t), or KB, MB, GB, TB for powers of 1000"
        #expect(error(Units.parseSize("1.3KiB")) == UnitError(message: "expected a size such as \"4KiB\", found \"1.3KiB\"",
                                                               hint: "that is not a whole number of bytes"))
        #expect(error(Units.parseSize("1.5"))?.hint == "that is not a whole number of bytes")
        #expect(error(Units.parseSize("-4KiB"))?.hint == "sizes cannot be negative")
        #expect(error(Units.parseSize("4kb")) == UnitError(message: "expected a size such as \"4KiB\", found \"4kb\"",
                                                            hint: "unknown unit \"kb\"; " + unitsHint))
        #expect(error(Units.parseSize("4EiB"))?.hint == "unknown unit \"EiB\"; " + unitsHint)
        #expect(error(Units.parseSize("big"))?.hint == unitsHint)
        #expect(error(Units.parseSize(""))?.hint == unitsHint)
        #expect(error(Units.parseSize("8388608TiB"))?.hint == "sizes must be smaller than 8EiB")
        #expect(error(Units.parseSize("99999999999999999999"))?.hint == "sizes must be smaller than 8EiB")
    }

    // MARK: Rates

    @Test func ratesAccepted() {
        let cases: [(String, Int64)] = [
            ("2GB/s", 2_000_000_000), ("500MiB/s", 500 << 20), ("1.5GiB/s", 3 << 29), ("100MB/s", 100_000_000),
            ("800KB/s", 800_000), ("512B/s", 512), ("512/s", 512), ("2 GB/s", 2_000_000_000), ("4k/s", 4096),
            ("1.5B/s", 2), ("0.4B/s", 0), ("0.1KiB/s", 102), (" 1TB/s ", 1_000_000_000_000),
        ]
        for (text, expected) in cases {
            #expect(value(Units.parseRate(text)) == expected, "\(text)")
        }
    }

    @Test func ratesRejected() {
        let unitsHint = "rates take a size unit and /s: B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s"
        #expect(error(Units.parseRate("2GB")) == UnitError(message: "expected a rate such as \"2GB/s\", found \"2GB\"",
                                                            hint: "rates end in /s, like \"2GB/s\""))
        #expect(error(Units.parseRate("2Gb/s"))?.hint == "unknown unit \"Gb/s\"; " + unitsHint)
        #expect(error(Units.parseRate("/s"))?.hint == unitsHint)
        #expect(error(Units.parseRate("-1GB/s"))?.hint == "rates cannot be negative")
        #expect(error(Units.parseRate("9999999TB/s"))?.hint == "rates must be smaller than 8EiB/s")
        #expect(error(Units.parseRate("2GB/sec")) != nil)
        #expect(error(Units.parseRate("")) != nil)
    }

    // MARK: Percentages

    @Test func percentagesAccepted() {
        #expect(value(Units.parsePercentPPM("5%")) == 50_000)
        #expect(value(Units.parsePercentPPM("0.5%")) == 5_000)
        #expect(value(Units.parsePercentPPM("100%")) == 1_000_000)
        #expect(value(Units.parsePercentPPM("0%")) == 0)
        #expect(value(Units.parsePercentPPM("5 %")) == 50_000)
        #expect(value(Units.parsePercentPPM("0.00005%")) == 1)
        #expect(value(Units.parsePercentPPM("0.00004%")) == 0)
        #expect(value(Units.parsePercentPPM("12.3456%")) == 123_456)
    }

    @Test func percentagesRejected() {
        #expect(error(Units.parsePercentPPM("101%")) == UnitError(message: "expected a percentage such as \"5%\", found \"101%\"",
                                                                   hint: "percentages go from 0% to 100%"))
        #expect(error(Units.parsePercentPPM("100.0001%"))?.hint == "percentages go from 0% to 100%")
        #expect(error(Units.parsePercentPPM("-1%"))?.hint == "percentages go from 0% to 100%")
        #expect(error(Units.parsePercentPPM("5"))?.hint == "percentages end in %, like \"5%\"")
        #expect(error(Units.parsePercentPPM("0.05"))?.hint == "percentages end in %, like \"5%\"")
        #expect(error(Units.parsePercentPPM("%"))?.hint == "percentages are a number followed by %, like \"0.5%\"")
        #expect(error(Units.parsePercentPPM("99999999999999999999%"))?.hint == "percentages go from 0% to 100%")
    }

    // MARK: Formatting

    @Test func formatDuration() {
        let cases: [(Int64, String)] = [
            (112_400, "112.4us"), (1_500_000, "1.5ms"), (250, "250ns"), (2_000_000_000, "2s"),
            (0, "0ns"), (999, "999ns"), (1_000, "1us"), (1_234, "1.234us"), (12_345, "12.35us"),
            (123_456, "123.5us"), (999_949, "999.9us"), (999_950, "1ms"), (999_999, "1ms"), (1_000_000, "1ms"),
            (1_000_500, "1.001ms"), (100_000, "100us"), (61_500_000_000, "61.5s"),
            (12_345_600_000_000, "12346s"), (-1_500, "-1.5us"),
            (Int64.max, "9223372037s"), (Int64.min, "-9223372037s"), (999_999_999, "1s"),
        ]
        for (nanoseconds, expected) in cases {
            #expect(Units.formatDuration(nanoseconds: nanoseconds) == expected, "\(nanoseconds)")
        }
    }

    @Test func formatSize() {
        let cases: [(Int64, String)] = [
            (4096, "4KiB"), (1536, "1.5KiB"), (1000, "1000B"), (0, "0B"), (1025, "1025B"), (1152, "1.125KiB"),
            (1 << 20, "1MiB"), ((1 << 30) + (1 << 29), "1.5GiB"), (1 << 40, "1TiB"), (3 << 40, "3TiB"),
            (1_024_000, "1000KiB"), (-4096, "-4KiB"), (Int64.max, "9223372036854775807B"), (Int64.min, "-8388608TiB"),
        ]
        for (bytes, expected) in cases {
            #expect(Units.formatSize(bytes: bytes) == expected, "\(bytes)")
        }
    }

    @Test func formatAndParseRoundTrip() {
        for bytes: Int64 in [0, 1, 512, 1000, 1024, 1152, 1536, 4096, 1 << 20, 1_024_000, 3 << 29, 1 << 40, 123_456_789] {
            #expect(value(Units.parseSize(Units.formatSize(bytes: bytes))) == bytes, "\(bytes)")
        }
        for nanoseconds: Int64 in [0, 1, 250, 1_000, 1_500, 112_400, 1_500_000, 2_000_000_000] {
            #expect(value(Units.parseDuration(Units.formatDuration(nanoseconds: nanoseconds))) == nanoseconds, "\(nanoseconds)")
        }
    }
}
