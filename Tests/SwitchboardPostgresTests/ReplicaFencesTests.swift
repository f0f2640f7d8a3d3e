import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// The routing rules of `--read-database`, without a database: a changed conversation is read from the primary
/// until the replica is seen past the primary's position read after the change.
@Suite struct ReplicaFencesTests {
    let first = ConversationID(rawValue: "conversationAAAAAAAAA")
    let second = ConversationID(rawValue: "conversationBBBBBBBBB")

    /// Hearing every writer, the replica seen at 100.
    func caughtUp() -> ReplicaFences {
        var fences = ReplicaFences()
        fences.hear(true)
        let taken = fences.takeUnfenced()
        fences.fence(taken, at: 100)
        fences.replayed(to: 100)
        return fences
    }

    @Test func nothingIsReadFromTheReplicaUntilItIsSeenAndEveryWriterIsHeard() {
        var fences = ReplicaFences()
        #expect(!fences.mayRead(first))
        fences.replayed(to: 500)
        #expect(!fences.mayRead(first))
        #expect(!fences.mayReadAny)
        // Hearing begins: anything may have changed before, so everything waits for the primary's position.
        fences.hear(true)
        #expect(!fences.mayRead(first))
        #expect(fences.needsFence)
        fences.fence(fences.takeUnfenced(), at: 600)
        #expect(!fences.mayRead(first))
        fences.replayed(to: 600)
        #expect(fences.mayRead(first))
        #expect(fences.mayReadAny)
        #expect(!fences.waitsForReplay)
    }

    @Test func aChangedConversationWaitsForItsFenceAndOnlyIt() {
        var fences = caughtUp()
        fences.pin([first])
        #expect(!fences.mayRead(first))
        #expect(fences.mayRead(second))
        #expect(!fences.mayReadAny)
        let taken = fences.takeUnfenced()
        #expect(taken.conversations == [first])
        // Pinned again while the position is being read: it stays pinned for the next round.
        fences.pin([first])
        fences.fence(taken, at: 200)
        #expect(!fences.mayRead(first))
        fences.fence(fences.takeUnfenced(), at: 210)
        fences.replayed(to: 205)
        #expect(!fences.mayRead(first))
        fences.replayed(to: 210)
        #expect(fences.mayRead(first))
        #expect(fences.mayReadAny)
    }

    @Test func aPositionThatCouldNotBeReadKeepsThePins() {
        var fences = caughtUp()
        fences.pin([first])
        let taken = fences.takeUnfenced()
        // While the position is being read, the pins hold.
        #expect(!fences.mayRead(first))
        #expect(!fences.mayReadAny)
        #expect(fences.mayRead(second))
        fences.restore(taken)
        #expect(!fences.mayRead(first))
        #expect(fences.needsFence)
    }

    @Test func aReplicaThatCannotBeReadOrMovesBackAnswersNothingOrStaysAhead() {
        var fences = caughtUp()
        fences.replayed(to: nil)
        #expect(!fences.mayRead(first))
        fences.replayed(to: 150)
        fences.replayed(to: 120)
        #expect(fences.replayed == 150)
        fences.pin([first])
        fences.fence(fences.takeUnfenced(), at: 160)
        #expect(!fences.mayRead(first))
    }

    @Test func losingTheFeedStopsEveryReadAndAnythingChangedWaitsForTheFurthestPosition() {
        var fences = caughtUp()
        fences.hear(false)
        #expect(!fences.mayRead(first))
        fences.hear(true)
        fences.fence(fences.takeUnfenced(), at: 300)
        fences.replayed(to: 299)
        #expect(!fences.mayRead(second))
        fences.replayed(to: 300)
        #expect(fences.mayRead(second))

        fences.pin([first])
        fences.fence(fences.takeUnfenced(), at: 400)
        fences.pinEverything()
        fences.fence(fences.takeUnfenced(), at: 350)
        // Everything waits for the furthest of the fences it replaced.
        fences.replayed(to: 390)
        #expect(!fences.mayRead(second))
        fences.replayed(to: 400)
        #expect(fences.mayRead(first))
        #expect(fences.mayRead(second))
    }

    @Test func pinsStayBoundedUnderAnyWriteLoad() {
        var fences = caughtUp()
        let many = Set((0...ReplicaFences.maximumPinned).map { ConversationID(rawValue: "c\($0)") })
        fences.pin(many)
        #expect(fences.unfenced.isEmpty)
        #expect(fences.everythingUnfenced)
        #expect(!fences.mayRead(first))
    }
}
