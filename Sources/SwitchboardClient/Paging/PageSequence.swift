/// The pages of a cursor-paged endpoint, fetched one at a time as the consumer asks for them: nothing is fetched
/// before the first `next()`, and nothing more once the consumer stops iterating.
///
/// Ends when a page has no continuation cursor, or when a cursor repeats (a server that does not advance would
/// otherwise loop forever, CONTRACT.md §12).
public struct PageSequence<Page: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page
    public typealias Failure = any Error

    let fetch: @Sendable (_ cursor: String?) async throws -> Page
    let itemCount: @Sendable (Page) -> Int
    /// The cursor after a page, given the items seen so far including that page's; nil ends the sequence.
    let continuation: @Sendable (_ page: Page, _ itemsSoFar: Int) -> String?

    init(
        fetch: @escaping @Sendable (_ cursor: String?) async throws -> Page,
        itemCount: @escaping @Sendable (Page) -> Int,
        continuation: @escaping @Sendable (_ page: Page, _ itemsSoFar: Int) -> String?
    ) {
        self.fetch = fetch
        self.itemCount = itemCount
        self.continuation = continuation
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private let sequence: PageSequence
        private var cursor: String?
        private var started = false
        private var finished = false
        private var seenCursors: Set<String> = []
        private var itemsSoFar = 0

        init(sequence: PageSequence) {
            self.sequence = sequence
        }

        public mutating func next() async throws -> Page? {
            guard !finished else { return nil }
            guard !started || cursor != nil else {
                finished = true
                return nil
            }
            started = true
            try Task.checkCancellation()
            let page: Page
            do {
                page = try await sequence.fetch(cursor)
            } catch {
                finished = true
                throw error
            }
            itemsSoFar += sequence.itemCount(page)
            if let next = sequence.continuation(page, itemsSoFar), seenCursors.insert(next).inserted {
                cursor = next
            } else {
                cursor = nil
            }
            return page
        }
    }

    /// Every item of every page, in order.
    public func items<Item: Sendable>(_ items: @escaping @Sendable (Page) -> [Item]) -> PagedItems<Page, Item> {
        PagedItems(pages: self, items: items)
    }
}

/// The items of a `PageSequence`, flattened; fetches the next page only when the current one is used up.
public struct PagedItems<Page: Sendable, Item: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Item
    public typealias Failure = any Error

    public let pages: PageSequence<Page>
    let items: @Sendable (Page) -> [Item]

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: pages.makeAsyncIterator(), items: items)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var pages: PageSequence<Page>.AsyncIterator
        private let items: @Sendable (Page) -> [Item]
        private var buffer: [Item] = []
        private var position = 0

        init(pages: PageSequence<Page>.AsyncIterator, items: @escaping @Sendable (Page) -> [Item]) {
            self.pages = pages
            self.items = items
        }

        public mutating func next() async throws -> Item? {
            while position == buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = items(page)
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }
}
