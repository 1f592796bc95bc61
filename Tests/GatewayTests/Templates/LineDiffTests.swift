import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template diff")
struct LineDiffTests {
    @Test func equalTextsGiveAnEmptyDiff() {
        #expect(LineDiff.unified("a\nb\n", "a\nb\n", oldName: "x", newName: "y").isEmpty)
    }

    @Test func aChangedLineIsRemovedThenAdded() {
        #expect(
            LineDiff.unified("a\nb\nc", "a\nB\nc", oldName: "v1", newName: "v2")
                == "--- v1\n+++ v2\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    }

    @Test func singleLineRangesOmitTheCount() {
        #expect(
            LineDiff.unified("one", "two", oldName: "v1", newName: "v2") == "--- v1\n+++ v2\n@@ -1 +1 @@\n-one\n+two\n")
    }

    @Test func addingToAnEmptyTextStartsAtZero() {
        #expect(LineDiff.unified("", "new", oldName: "v1", newName: "v2") == "--- v1\n+++ v2\n@@ -0,0 +1 @@\n+new\n")
    }

    @Test func distantChangesMakeSeparateHunksWithThreeLinesOfContext() {
        let old = (1...20).map(String.init).joined(separator: "\n")
        var lines = (1...20).map(String.init)
        lines[1] = "two"
        lines[17] = "eighteen"
        let diff = LineDiff.unified(old, lines.joined(separator: "\n"), oldName: "a", newName: "b")
        #expect(
            diff
                == "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n"
        )
    }

    @Test func nearbyChangesShareAHunk() {
        let diff = LineDiff.unified("a\nb\nc\nd\ne", "A\nb\nc\nd\nE", oldName: "a", newName: "b")
        #expect(diff == "--- a\n+++ b\n@@ -1,5 +1,5 @@\n-a\n+A\n b\n c\n d\n-e\n+E\n")
    }

    @Test func hugeInputsFallBackToReplacingEverything() {
        let script = LineDiff.lines(from: Array(repeating: "x", count: 3000), to: Array(repeating: "y", count: 3000))
        #expect(script.count == 6000)
    }
}
