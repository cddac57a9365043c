function handler ( webhook ) {
if ( webhook . eventType === "payment.succeeded" ) {
const p = webhook . payload . data ;
webhook . url = "https://connect.mailerlite.com/api/subscribers" ;
webhook . payload = {
email: p . customer . email ,
fields: {
name: p . customer . name ,
company: p . customer . business_name || "" ,
country: p . customer . country || "" ,
city: p . customer . city || "" ,
phone: p . customer . phone || "" ,
// Custom fields (must be created in MailerLite first)
total_spent: ( p . total_amount / 100 ). toFixed ( 2 ),
customer_since: new Date (). toISOString (). split ( 'T' )[ 0 ],
payment_method: p . payment_method || "unknown" ,
currency: p . currency || "USD"
},
groups: [ "165971156405323602" ],
status: "active" ,
subscribed_at: new Date (). toISOString (). replace ( 'T' , ' ' ). split ( '.' )[ 0 ]
};
}
return webhook ;
}
