import Testing
import WireFormats

@Suite struct CSVTests {
    @Test func splitsRecordsKeepingLineBreaks() {
        let records = CSV.records("a,b\r\n\"x\ny\",c\nlast"[...])
        #expect(records.map { String($0.content) } == ["a,b", "\"x\ny\",c", "last"])
        #expect(records.map { String($0.lineBreak) } == ["\r\n", "\n", ""])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test func parsesQuotedFields() {
        #expect(CSV.fields(#"1,"a,b","say ""hi""",,x"#[...]) == ["1", "a,b", #"say "hi""#, "", "x"])
        #expect(CSV.fields(#"1,"open"#[...]) == nil)
        #expect(CSV.fields(""[...]) == [""])
        #expect(CSV.fields(#""a"b,"x""y","""#[...]) == ["ab", #"x"y"#, ""])
        #expect(CSV.fields(#"a"b"c,d"#[...]) == [#"a"b"c"#, "d"])
    }

    @Test func quotesFieldsWhenNeeded() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == #""a,b""#)
        #expect(CSV.field(#"say "hi""#) == #""say ""hi""""#)
    }
}

@Suite struct CSVParserTests {
    @Test func quotedFieldsCommasQuotesAndNewlines() {
        let rows = CSVParser.rows(of: "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,x\n\n")
        #expect(rows == [["a", "b,c", "say \"hi\""], ["multi\nline", "", "x"]])
    }

    @Test func lastRowWithoutNewline() {
        #expect(CSVParser.rows(of: "1,2\n3,4") == [["1", "2"], ["3", "4"]])
    }

    @Test func rowsSurviveAnyChunking() {
        let text = Array("x,\"y\"\"z\",w\n1,\"2\n3\",4\n".utf8)
        for split in 0...text.count {
            var parser = CSVParser()
            var rows: [[String]] = []
            var lines: [Int] = []
            let collect = { (row: [String], line: Int) in
                rows.append(row)
                lines.append(line)
            }
            text[0..<split].withUnsafeBufferPointer { parser.feed($0, onRow: collect) }
            text[split...].withUnsafeBufferPointer { parser.feed($0, onRow: collect) }
            parser.finish(onRow: collect)
            #expect(rows == [["x", "y\"z", "w"], ["1", "2\n3", "4"]])
            #expect(lines == [1, 2])
        }
    }
}
