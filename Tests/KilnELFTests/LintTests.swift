import Testing

/// Written objects are clean by the standard tools' own checks.
@Suite struct LintTests {
    @Test(arguments: NamedImage.all)
    func readelfPrintsNoWarningOrError(_ fixture: NamedImage) throws {
        let file = try WrittenImage(fixture.image)
        let output = try ExternalTool.run("readelf", ["-W", "-a", file.path], hint: "install binutils")
        #expect(output.status == 0, "\(output.combined)")
        let complaints = output.combined.split(separator: "\n").filter {
            $0.localizedCaseInsensitiveContains("warning") || $0.localizedCaseInsensitiveContains("error")
        }
        #expect(complaints.isEmpty, "\(complaints.joined(separator: "\n"))")
    }

    @Test(arguments: NamedImage.all)
    func elflintReportsNoErrors(_ fixture: NamedImage) throws {
        let file = try WrittenImage(fixture.image)
        let output = try ExternalTool.run(
            "eu-elflint", ["--gnu-ld", file.path], hint: "install elfutils (apt-get install elfutils)")
        #expect(output.status == 0, "\(output.combined)")
        #expect(output.stdout == "No errors\n", "\(output.combined)")
    }
}
