import Testing

@Suite struct MemoryTests {
    @Test func loadsStoresAndGrow() throws {
        let m = try TestInstance(wat: """
            (module (memory 1 3)
              (data (i32.const 16) "\\01\\02\\03\\04\\05\\06\\07\\88")
              (func (export "l8s") (param i32) (result i32) local.get 0 i32.load8_s offset=16)
              (func (export "l16u") (param i32) (result i32) local.get 0 i32.load16_u offset=16)
              (func (export "l64") (result i64) i32.const 16 i64.load)
              (func (export "l32s") (param i32) (result i64) local.get 0 i64.load32_s offset=20)
              (func (export "rt") (param i32 i64) (result i64) local.get 0 local.get 1 i64.store offset=100 local.get 0 i64.load offset=100)
              (func (export "rtf") (param i32 f64) (result f64) local.get 0 local.get 1 f64.store local.get 0 f64.load)
              (func (export "st8") (param i32 i32) (result i32) local.get 0 local.get 1 i32.store8 local.get 0 i32.load)
              (func (export "size") (result i32) memory.size)
              (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
              (func (export "last") (result i32) i32.const 131068 i32.const 42 i32.store i32.const 131068 i32.load))
            """)
        #expect(m.i32("l8s", 7) == -120)
        #expect(m.i32("l16u", 0) == 0x0201)
        #expect(m.i64("l64") == Int64(bitPattern: 0x8807_0605_0403_0201))
        #expect(m.i64("l32s", 0) == Int64(Int32(bitPattern: 0x8807_0605)))
        #expect(m.call("rt", [8, 0x1122_3344_5566_7788]) == [0x1122_3344_5566_7788])
        #expect(asF64(m.call("rtf", [40, f64(-2.5)])[0]) == -2.5)
        #expect(m.call("st8", [200, 0x1FF]) == [0xFF])
        #expect(m.i32("size") == 1)
        #expect(m.i32("grow", 1) == 1)
        #expect(m.i32("size") == 2)
        #expect(m.i32("grow", 5) == -1)
        #expect(m.i32("last") == 42)
    }
}
