import Identity
import Routing
import Testing

/// Roles as access.md orders them, and the names the route table, openapi.json and a 403 use.
@Suite struct RoleTests {
    @Test func eachRoleIncludesTheOnesBeforeIt() {
        #expect(Role.reader < .editor && Role.editor < .admin && Role.reader < .admin)
        #expect(!(Role.admin < .editor) && !(Role.editor < .editor))
        #expect(Role.allCases.sorted() == [.reader, .editor, .admin])
        #expect(Role.allCases.map(\.rawValue) == ["reader", "editor", "admin"])
        #expect(Role(rawValue: "owner") == nil)
    }

    @Test func requirementsAreNamedAsTheRouteTableStatesThem() {
        let named: [(AccessRequirement, String, Bool)] = [
            (.open, "open", true), (.shareLink, "share link", true),
            (.reader, "reader", false), (.editor, "editor", false), (.admin, "admin", false),
        ]
        for (requirement, name, isOpen) in named {
            #expect(requirement.name == name && requirement.description == name)
            #expect(requirement.isOpen == isOpen, "\(name)")
        }
        #expect(AccessRequirement.editor == .role(.editor) && AccessRequirement.editor.role == .editor)
        #expect(AccessRequirement.open.role == nil && AccessRequirement.shareLink.role == nil)
    }

    @Test func anActorHasARoleOnlyWhenItsOwnIncludesIt() {
        let editor = Actor(id: "k1", name: "ci", role: .editor)
        #expect(editor.has(.reader) && editor.has(.editor) && !editor.has(.admin))
        #expect(Actor(id: "k2", name: "ops", role: .admin).has(.admin))
        // Read back from a stored change: no role is known, so none is assumed.
        #expect(!Actor(id: "k3", name: "old").has(.reader))
    }
}
