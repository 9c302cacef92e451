//! Enums carried as integers on the wire, and the error for a value outside
//! a documented set. Values the client sends are checked; values the server
//! sends can keep unknown numbers in an `Unknown` variant.

/// Defines an enum carried as an integer on the wire.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
        $( unknown: $(#[$umeta:meta])* $unknown:ident )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            $( $(#[$umeta])* $unknown(i32), )?
        }

        impl $name {
            /// The number on the wire.
            pub fn value(self) -> i32 {
                match self {
                    $( Self::$variant => $value, )+
                    $( Self::$unknown(value) => value, )?
                }
            }

            /// The variant for `value`, if it is a documented one.
            pub fn from_value(value: i32) -> Option<Self> {
                match value {
                    $( $value => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        $(
            impl $name {
                /// The variant for a number the server sent: a documented
                /// one, or [`Self::Unknown`] keeping the number.
                pub fn from_wire(value: i32) -> Self {
                    Self::from_value(value).unwrap_or(Self::$unknown(value))
                }
            }
        )?

        impl TryFrom<i32> for $name {
            type Error = $crate::int_enum::InvalidValue;

            fn try_from(value: i32) -> Result<Self, $crate::int_enum::InvalidValue> {
                Self::from_value(value).ok_or($crate::int_enum::InvalidValue {
                    name: stringify!($name),
                    value: value.to_string(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::int_enum::InvalidValue;

            fn from_str(text: &str) -> Result<Self, $crate::int_enum::InvalidValue> {
                let invalid = || $crate::int_enum::InvalidValue { name: stringify!($name), value: text.to_string() };
                let value: i32 = text.parse().map_err(|_| invalid())?;
                Self::try_from(value).map_err(|_| invalid())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i32(self.value())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = i32::deserialize(deserializer)?;
                int_enum!(@decode $name value $( $unknown )?)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "integer", "enum": [$($value),+] })
            }
        }
    };
    (@decode $name:ident $value:ident $unknown:ident) => {
        Ok(Self::from_wire($value))
    };
    (@decode $name:ident $value:ident) => {
        Self::try_from($value).map_err(serde::de::Error::custom)
    };
}

/// A value outside a documented set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {name}")]
pub struct InvalidValue {
    /// The type.
    pub name: &'static str,
    /// The rejected value.
    pub value: String,
}
