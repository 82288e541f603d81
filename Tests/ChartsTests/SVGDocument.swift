import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A chart parsed back with Foundation's XML parser: nil when it is not well-formed XML.
final class SVGDocument: NSObject, XMLParserDelegate {
    struct Element {
        let name: String
        let attributes: [String: String]
        var text: String
        /// Names of the enclosing elements, outermost first.
        let ancestors: [String]

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []
    private(set) var error: String?

    static func parse(_ svg: String) -> SVGDocument? {
        let document = SVGDocument()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = document
        return parser.parse() && document.error == nil ? document : nil
    }

    static func parseError(_ svg: String) -> String {
        let parser = XMLParser(data: Data(svg.utf8))
        _ = parser.parse()
        return parser.parserError.map { "\($0)" } ?? "none"
    }

    var root: Element? { elements.first }
    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    func all(_ name: String, class className: String) -> [Element] {
        elements.filter { $0.name == name && $0.classes.contains(className) }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let ancestors = open.map { elements[$0].name }
        elements.append(Element(name: elementName, attributes: attributeDict, text: "", ancestors: ancestors))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let index = open.popLast() else { return }
        // A parent's text includes its children's text (a label made of tspans), not a tooltip.
        if elementName != "title", let parent = open.last { elements[parent].text += elements[index].text }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let index = open.last else { return }
        elements[index].text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = "\(parseError)"
    }
}
