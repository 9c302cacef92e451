#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nordpay::fuzzing::money_answer_is_unknown(input));
