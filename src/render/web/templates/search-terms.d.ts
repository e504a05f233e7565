// Types of search-terms.js (plain JavaScript: the search page loads it as it is).
export declare const WORD: 0, PAIR: 1, LAST: 2, SINGLE: 3;
export declare function scanTerms(text: string, visit: (term: string, start: number, end: number, kind: number) => void): void;
export declare function queryTerms(query: string): Array<{ term: string; prefix: boolean }>;
export declare function bucketOf(term: string, buckets: number): number;
export declare function encodeNumbers(numbers: Iterable<number>): string;
export declare function decodeNumbers(text: string): number[];
