/// A batch's handler timings summed by hour and event, so that a batch of a hundred outcomes
/// writes a row or two to `handler_timings`, not a hundred.
struct HandlerTimings {
    struct Key: Hashable {
        var hour: String
        var event: String
    }

    struct Sum {
        var handled: Int64 = 0
        var totalMicroseconds: Int64 = 0
        var slowestMicroseconds: Int64 = -1
        var slowestEventID: Int64 = 0
    }

    private(set) var sums: [Key: Sum] = [:]

    mutating func add(_ timing: HandlerTiming, eventID: Int64, at time: Timestamp) {
        let hour = Timestamp(microsecondsSinceEpoch: time.secondsSinceEpoch / 3_600 * 3_600 * 1_000_000).iso8601
        let microseconds = max(0, timing.microseconds)
        var sum = sums[Key(hour: hour, event: timing.event), default: Sum()]
        sum.handled += 1
        sum.totalMicroseconds &+= microseconds
        if microseconds > sum.slowestMicroseconds {
            sum.slowestMicroseconds = microseconds
            sum.slowestEventID = eventID
        }
        sums[Key(hour: hour, event: timing.event)] = sum
    }
}
