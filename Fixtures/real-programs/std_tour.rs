//! Real-program check (scripts/real_programs.py): a tour of Rust's standard library
//! (collections, hashing, formatting of integers and floats, u128 arithmetic, a function
//! of eleven mixed arguments, parsing, Unicode); its output must be the same natively
//! and under both of Kiln's tiers.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque, BinaryHeap};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
enum Shape { Circle { r: f64 }, Rect { w: f64, h: f64 }, Tri(f64, f64, f64) }

fn area(s: &Shape) -> f64 {
    match s {
        Shape::Circle { r } => std::f64::consts::PI * r * r,
        Shape::Rect { w, h } => w * h,
        Shape::Tri(a, b, c) => { let p = (a + b + c) / 2.0; (p * (p - a) * (p - b) * (p - c)).sqrt() }
    }
}

fn many_args(a: u64, b: u32, c: i64, d: f64, e: u8, f: i16, g: u64, h: f32, i: u64, j: i32, k: u64) -> f64 {
    (a.wrapping_mul(g) ^ i ^ k) as f64 + b as f64 * 0.5 + c as f64 - d + e as f64 + f as f64 + h as f64 + j as f64
}

fn main() {
    let mut rng: u64 = 0x2545F4914F6CDD1D;
    let mut next = || { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; rng };
    let mut v: Vec<u64> = (0..100_000).map(|_| next() % 1_000_000).collect();
    v.sort_unstable();
    v.dedup();
    println!("dedup {} first {:?} last {:?}", v.len(), &v[..3], &v[v.len() - 3..]);
    let mut words: HashMap<String, usize> = HashMap::new();
    let text = "the quick brown fox jumps over the lazy dog the end of the fox";
    for w in text.split_whitespace() { *words.entry(w.to_string()).or_insert(0) += 1; }
    let mut wv: Vec<_> = words.iter().collect();
    wv.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("words {:?}", wv);
    let bt: BTreeMap<u32, String> = (0..50u32).map(|i| (i * 37 % 101, format!("v{:03}", i))).collect();
    println!("btree {:?}", bt.range(10..30).collect::<Vec<_>>());
    let hs: HashSet<u64> = v.iter().map(|x| x % 997).collect();
    println!("hashset {}", hs.len());
    let mut dq: VecDeque<i32> = VecDeque::new();
    for i in 0..1000 { if i % 3 == 0 { dq.push_front(i) } else { dq.push_back(-i) } }
    println!("deque {} {:?} {:?}", dq.len(), dq.front(), dq.back());
    let mut heap: BinaryHeap<(u32, i64)> = BinaryHeap::new();
    for i in 0..500u32 { heap.push((i.wrapping_mul(2654435761) >> 20, i as i64 - 250)); }
    let top: Vec<_> = (0..5).filter_map(|_| heap.pop()).collect();
    println!("heap {:?}", top);
    let shapes = vec![Shape::Circle { r: 1.5 }, Shape::Rect { w: 2.0, h: 3.5 }, Shape::Tri(3.0, 4.0, 5.0)];
    let total: f64 = shapes.iter().map(area).sum();
    println!("shapes {:?} total {:.6}", shapes, total);
    let mut s = String::new();
    for i in 0..2000u32 { write!(s, "{:x}-{:e};", i.wrapping_mul(0x9E3779B9), i as f64 / 7.0).unwrap(); }
    println!("fmt {} {}", s.len(), &s[s.len() - 60..]);
    let big: u128 = (0..40u128).fold(1u128, |acc, x| acc.wrapping_mul(x * 2 + 1) ^ (acc >> 3));
    println!("u128 {} {:x}", big, big.rotate_left(17));
    let mut f = 0.0f64;
    for i in 1..100000 { f += (i as f64).ln() * (i as f64).sin() / (i as f64).sqrt(); }
    println!("float {:.9} {} {} {}", f, f64::NAN.max(1.0), (-0.0f64).signum(), 1e300f64 * 1e10);
    println!("many {}", many_args(u64::MAX, 7, -9, 2.5, 200, -300, 12345, 1.25, 77, -8, 99));
    let parsed: Vec<i64> = "12,-7,  300 ,x,9223372036854775807".split(',').filter_map(|t| t.trim().parse().ok()).collect();
    println!("parse {:?}", parsed);
    let chars: String = "Grüße, Kiln! ☃ λ".chars().rev().flat_map(|c| c.to_uppercase()).collect();
    println!("unicode {} {}", chars, chars.len());
    let r = std::panic::catch_unwind(|| 1);
    println!("done {:?}", r.is_ok());
}
