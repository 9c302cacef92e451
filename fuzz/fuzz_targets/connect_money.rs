#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nordpay::fuzzing::connect_money(input));
