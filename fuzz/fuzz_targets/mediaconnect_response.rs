#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nordpay::fuzzing::mediaconnect_response(input));
