#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nordpay::fuzzing::direct_payment_soap_response(input));
